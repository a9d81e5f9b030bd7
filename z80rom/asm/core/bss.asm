;; bss.asm - RAM used by the engine, from the page-aligned address bss (set by the generated
;; model file: after the image on CP/M, in RAM on ROM boards). Nothing here is in the image.
;; The stack sits below every page the kernels write through SP (the active lists, and the
;; sums that fused layers set with PUSH), so all of those lie above the stack floor.

cnt             equ bss                     ; bucket counts 0..127, distinct buckets at +128
line            equ bss+120h                  ; the input line (MAX_QUERY bytes)
tbuf            equ bss+160h                  ; ' ' + folded query + ' '
window          equ bss+1A0h                  ; the context window, 8 bytes
acc_page        equ bss+1A8h                  ; page of the current sums (acc_lo, accb_lo, ...)
sp_save         equ bss+1AAh
act_ptr         equ bss+1ACh
colfn           equ bss+1AEh
ndist           equ bss+1B2h
line_len        equ bss+1B3h
was_cr          equ bss+1B4h
out_count       equ bss+1B5h
cur_layer       equ bss+1B6h
pk_end          equ bss+1B7h                  ; packed kernel: last neuron + 1, mod 256
col_start       equ bss+1B8h                  ; fused pass: the stream of a column with x >= 256
bz_skip         equ bss+1BAh                  ; enc_context: window bytes (from the end) that are
                                              ; not the blank start, or 8 (count every n-gram)
fz_prev         equ bss+1BBh                  ; fused pass: page of the previous layer's high bytes
act_head        equ bss+1BCh                  ; first entry of the active list
fz_x            equ bss+1BEh                  ; fused pass: y of a column with y >= 256
stack_floor     equ bss+1C0h                ; lowest byte the stack may use
fz_stack        equ stack_floor+16              ; fused pass: the scan's calls (one level)
stack_top       equ bss+2FCh                ; 316 bytes of stack below this
act             equ bss+2FCh                ; active list: up to 256 entries of 4 bytes,
act_end         equ bss+6FCh                ; ... then the terminator (relu pushes down to act)
act_l1          equ act+100h                ; the terminator of layer 1's lists (build_act
                                            ; pushes at most 62 entries down from it)
;; Layer-1 baselines (BZ_SLOTS of them, see bz_make): slot s (s = 0..BZ_SLOTS-1) at
;; bz_lo+512*(BZ_SLOTS-1-s), 256 low bytes then 256 high bytes. Step s adds layer 1 into slot s,
;; and layer 2 too when that one is not fused: carries out of the slot's high bytes land in
;; slot s-1, used already, or for slot 0 in acc_lo, which every use sets first.
                ifdef BZ_SLOTS
bz_lo           equ bss+700h
acc_lo          equ bss+700h+512*BZ_SLOTS   ; sums of layer 1 (from step BZ_SLOTS on) and of
                else                        ; layers not fused; high bytes one page up, then
acc_lo          equ bss+700h                ; a scratch page for carries out of them
                endif
acc_hi          equ acc_lo+100h
accq_lo         equ acc_lo+300h             ; layer 1 sums of the query half (per response)
accq_hi         equ acc_lo+400h             ; acc_lo+500h: scratch for carries out of accq_hi
                ifdef FUSED_ONLY
accb_lo         equ bss+400h                ; every layer 2.. fused: no ReLU lists, and the
accb_hi         equ bss+500h                ; layer-1 list has at most 62 entries (ends before
bss_end         equ acc_lo+600h             ; bss+400h); bss+600h: carries out of accb_hi
                else
                ifdef FUSED
accb_lo         equ acc_lo+600h             ; fused layers: the other page pair of sums,
accb_hi         equ acc_lo+700h             ; ... high bytes (then carries out of them)
bss_end         equ acc_lo+900h
                else
bss_end         equ acc_lo+600h
                endif
                endif
