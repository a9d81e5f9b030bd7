;; bss.asm - RAM used by the engine, from the page-aligned address bss (set by the generated
;; model file: after the image on CP/M, in RAM on ROM boards). Nothing here is in the image.

acc_lo          equ bss                     ; sums of the current layer, low bytes
acc_hi          equ bss+100h                ; ... high bytes
                                            ; bss+200h: scratch for carries out of acc_hi
accq_lo         equ bss+300h                ; layer 1 sums of the query half (per response)
accq_hi         equ bss+400h                ; bss+500h: scratch for carries out of accq_hi
cnt             equ bss+600h                ; bucket counts 0..127, distinct buckets at +128
act             equ bss+700h                ; active list: 257 entries of 4 bytes
line            equ bss+0B10h               ; the input line (MAX_QUERY bytes)
tbuf            equ bss+0B50h               ; ' ' + folded query + ' '
window          equ bss+0B90h               ; the context window, 8 bytes
acc_page        equ bss+0B98h               ; page of acc_lo or accq_lo
sp_save         equ bss+0B9Ah
act_ptr         equ bss+0B9Ch
colfn           equ bss+0B9Eh
best            equ bss+0BA0h
ndist           equ bss+0BA2h
line_len        equ bss+0BA3h
was_cr          equ bss+0BA4h
out_count       equ bss+0BA5h
cur_layer       equ bss+0BA6h
pk_end          equ bss+0BA7h               ; packed kernel: last neuron + 1, mod 256
col_hi          equ bss+0BA8h               ; high byte of x still to add (lists)
col_sp          equ bss+0BAAh               ; start of the current column's stream
stack_floor     equ bss+0BB0h               ; lowest byte the stack may use
stack_top       equ bss+0D00h               ; 336 bytes of stack below this
bss_end         equ bss+0D00h
