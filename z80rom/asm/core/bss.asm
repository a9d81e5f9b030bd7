;; bss.asm - RAM used by the engine, from the page-aligned address bss (set by the generated
;; model file: after the image on CP/M, in RAM on ROM boards). Nothing here is in the image.

acc_lo          equ bss                     ; sums of the current layer, low bytes
acc_hi          equ bss+100h                ; ... high bytes
                                            ; bss+200h: scratch for carries out of acc_hi
accq_lo         equ bss+300h                ; layer 1 sums of the query half (per response)
accq_hi         equ bss+400h                ; bss+500h: scratch for carries out of accq_hi
cnt             equ bss+600h                ; bucket counts 0..127, distinct buckets at +128
line            equ bss+720h                  ; the input line (MAX_QUERY bytes)
tbuf            equ bss+760h                  ; ' ' + folded query + ' '
window          equ bss+7A0h                  ; the context window, 8 bytes
acc_page        equ bss+7A8h                  ; page of acc_lo or accq_lo
sp_save         equ bss+7AAh
act_ptr         equ bss+7ACh
colfn           equ bss+7AEh
best            equ bss+7B0h
ndist           equ bss+7B2h
line_len        equ bss+7B3h
was_cr          equ bss+7B4h
out_count       equ bss+7B5h
cur_layer       equ bss+7B6h
pk_end          equ bss+7B7h                  ; packed kernel: last neuron + 1, mod 256
bz_skip         equ bss+7BAh                  ; enc_context: window bytes (from the end) that are
                                              ; not the blank start, or 8 (count every n-gram)
col_start       equ bss+7B8h                  ; fused pass: the stream of a column with x >= 256
act_head        equ bss+7BCh                  ; first entry of the active list
stack_floor     equ bss+7C0h                ; lowest byte the stack may use
fz_stack        equ stack_floor+16              ; fused pass: the scan's calls (one level)
stack_top       equ bss+900h                ; 320 bytes of stack below this
act             equ bss+900h                ; active list: up to 256 entries of 4 bytes,
act_end         equ bss+0D00h               ; ... then the terminator (relu pushes down to act)
                ifdef FUSED_ONLY
accb_lo         equ bss+0A00h               ; every layer 2.. fused: no ReLU lists, and the
accb_hi         equ bss+0B00h               ; layer-1 list has at most 62 entries (ends before
bss_fixed       equ bss+0D00h               ; bss+0A00h); bss+0C00h: carries out of accb_hi
                else
                ifdef FUSED
accb_lo         equ bss+0E00h               ; fused layers: the other page pair of sums,
accb_hi         equ bss+0F00h               ; ... high bytes (bss+1000h: carries out of them)
bss_fixed       equ bss+1100h
                else
bss_fixed       equ bss+0D04h
                endif
                endif
                ifdef BZ_SLOTS
bz_lo           equ (bss_fixed+255)/256*256 ; layer-1 baselines: slot s (s = 0..BZ_SLOTS-1) at
bss_end         equ bz_lo+512*BZ_SLOTS      ; bz_lo+512*s, 256 low bytes then 256 high bytes
                else
bss_end         equ bss_fixed
                endif
