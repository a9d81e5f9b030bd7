;; chat.asm - the chat loop: prompt, line input with editing, single-query mode, the
;; generation loop and output (spec section 8 and 9).
;;
;; Needs from the driver: con_init, con_in (wait for a byte, return it in A, no echo),
;; con_out (write A), sys_args (HL = command-line bytes, B = their count, 0 = none) and
;; sys_exit. Driver routines preserve BC, DE, HL, IX and IY; A and F may be clobbered.
;; Needs from the generated model file: NLAYERS, EOS_INDEX, charset, layer_tab (see
;; layers.asm) and bss (the base of a page-aligned block of RAM, see bss.asm).

CR              equ 13
LF              equ 10
MAX_QUERY       equ 62              ; bytes of a line that count (spec section 1)
MAX_OUT         equ 50              ; most bytes of one response

;; start - entry point. With a command line, answer it once and exit; else chat.
start:          ld sp,stack_top
                ld hl,bss                   ; RAM holds whatever ran before (on the RC2014
                ld de,bss+1                 ; 512K, the loader's code): the counts and
                ld bc,stack_floor-bss-1     ; variables start from zero
                ld (hl),0
                ldir
                call con_init
                xor a
                ld (was_cr),a
                call sys_args               ; HL = bytes, B = count
                ld a,b
                or a
                jr z,chat
                ld a,(hl)                   ; the CCP puts one separating space first
                cp ' '
                jr nz,st_copy
                inc hl
                dec b
                jr z,chat
st_copy:        ld a,b
                cp MAX_QUERY                ; spec section 9: the 62-byte cap applies here too
                jr c,st_len
                ld b,MAX_QUERY
st_len:         ld a,b
                ld (line_len),a
                ld de,line
st_byte:        ld a,(hl)
                ld (de),a
                inc hl
                inc de
                djnz st_byte
                call respond
                jp sys_exit

;; chat - prompt, read a line, answer it; an empty line prompts again, '!' exits.
chat:           ld hl,prompt_text
                call puts
                call read_line
                ld a,(line_len)
                or a
                jr z,chat
                ld a,(line)
                cp '!'
                jp z,sys_exit
                call respond
                jr chat

prompt_text:    db "> ",0

;; read_line - read one line into line/line_len with echo and editing.
;; CR, LF or CR LF end a line (an LF right after a CR-ended line is skipped). BS and DEL
;; erase a byte, ^U and ^X erase the line, ^C exits. Bytes past MAX_QUERY are dropped
;; without echo until the line ends, so the rest of a long line never becomes the next line.
;; In: none. Out: line, line_len, was_cr. Clobbers: AF, BC, DE, HL.
;; T-states: waits for keys; 238 per stored byte plus its con_in and con_out.
;; (T-state counts in this file include the routine's RET, not the caller's CALL.)
read_line:      ld hl,line                  ; HL = next free byte
                ld c,0                      ; C = length
rl_key:         call con_in
                ld b,a
                ld a,(was_cr)
                ld e,a
                xor a
                ld (was_cr),a
                ld a,b
                cp LF
                jr nz,rl_not_lf
                ld a,e                      ; the LF of a CR LF pair: not a new line
                or a
                jr nz,rl_key
                jr rl_end
rl_not_lf:      cp CR
                jr nz,rl_not_cr
                ld a,1
                ld (was_cr),a
rl_end:         ld a,c
                ld (line_len),a
                jp crlf
rl_not_cr:      cp 8
                jr z,rl_erase
                cp 7Fh
                jr z,rl_erase
                cp 15h                      ; ^U
                jr z,rl_kill
                cp 18h                      ; ^X
                jr z,rl_kill
                cp 3                        ; ^C
                jp z,sys_exit
                ld a,c
                cp MAX_QUERY
                jr nc,rl_key                ; full: drop the byte
                ld (hl),b
                inc hl
                inc c
                ld a,b
                call con_out
                jr rl_key
rl_erase:       call erase1
                jr rl_key
rl_kill:        ld a,c
                or a
                jr z,rl_key
                call erase1
                jr rl_kill

;; erase1 - take back the last byte of the line and from the screen (BS, space, BS).
;; In: HL = next free byte, C = length. Out: HL, C one byte back (unchanged when C = 0).
;; Clobbers: AF. T-states: 19 when empty, else 88 plus three con_out.
erase1:         ld a,c
                or a
                ret z
                dec hl
                dec c
                ld a,8
                call con_out
                ld a,' '
                call con_out
                ld a,8
                jp con_out

;; crlf - end an output line. In: none. Out: none. Clobbers: AF.
;; T-states: 41 plus two con_out.
crlf:           ld a,CR
                call con_out
                ld a,LF
                jp con_out

;; puts - print the zero-terminated string at HL. In: HL. Out: HL past the 0.
;; Clobbers: AF. T-states: 28 plus 51 and a con_out per byte.
puts:           ld a,(hl)
                inc hl
                or a
                ret z
                call con_out
                jr puts

;; respond - answer the query in line/line_len: print the response bytes as they are made,
;; then CR LF (spec section 8). In: line, line_len. Out: none. Clobbers: everything but SP.
;; T-states: the query half of layer 1 once, then one step and one con_out per output byte
;; (`z80lm bench` measures them per target; BENCHMARKS.md).
respond:        ld a,i                      ; P/V = IFF2: interrupts stay off while
                push af                     ; the kernels walk data with SP
                di
                call enc_query              ; active list = query columns
                ld ix,layer_tab
                ld a,accq_lo/256            ; layer 1 query half: once per response
                ld (acc_page),a
                call acc_bias
                call layer_scatter
                xor a
                ld (cur_layer),a
                call acc_ready
                ifdef BZ_SLOTS
                call bz_make                ; layer-1 baselines of the first steps
                endif
                pop af
                jp po,rs_di                 ; interrupts were off before
                ei
rs_di:
                ld hl,window
                ld b,8
rs_space:       ld (hl),' '
                inc hl
                djnz rs_space
                xor a
                ld (out_count),a
rs_step:        call step                   ; A = chosen index
                cp EOS_INDEX
                jp z,crlf
                ld e,a
                ld d,0
                ld hl,charset
                add hl,de
                ld a,(hl)
                push af
                call con_out
                pop af
                call fold
                call push_window
                ld hl,out_count
                inc (hl)
                ld a,(hl)
                cp MAX_OUT
                jr c,rs_step
                jp crlf

;; step - one inference step: context encoding, all layers, argmax. Step s < BZ_SLOTS (s =
;; out_count) starts layer 1 from baseline slot s and adds only the n-grams that touch
;; generated bytes; later steps from a copy of the query half (8.2K T; 4.1K with layer-1
;; counters) and every n-gram.
;; In: out_count, window, accq (and the slots). Out: A = chosen output index.
;; Clobbers: everything but SP. Interrupts are off while the kernels walk data with SP, and
;; restored to their previous state afterwards. T: ~0.3-0.45 M (BENCHMARKS.md).
step:           ld a,i                      ; P/V = IFF2
                push af
                di
                ld a,8                      ; s = 8: every n-gram counts
                ifdef BZ_SLOTS
                ld a,(out_count)
                cp BZ_SLOTS
                jr c,sp_bz                  ; step s < BZ_SLOTS: baseline slot s
                ld a,8
sp_bz:
                endif
                ld (bz_skip),a
                call enc_context            ; active list = context columns
                ld ix,layer_tab
                ifdef BZ_SLOTS
                ld a,(bz_skip)              ; step s < BZ_SLOTS: layer 1 adds into baseline
                cp 8                        ; slot s itself (each slot serves one step)
                jr z,sp_q
                add a,a
                neg
                add a,bz_lo/256+2*(BZ_SLOTS-1)
                ld (acc_page),a
                jr sp_l1
sp_q:
                endif
                ld a,acc_lo/256             ; else from a copy of the query half
                ld (acc_page),a
                ld bc,L1_COPY               ; layer 1's outputs rounded up to 8 (the
                ld hl,accq_lo               ; bytes after them are not read), so copy
                ld de,acc_lo                ; takes 8 LDIs a round
                call copy
                ifndef COUNTERS                 ; counters: one byte per neuron
                ld bc,L1_COPY
                ld hl,accq_hi
                ld de,acc_hi
                call copy
                endif
sp_l1:          call layer_scatter
                ld a,1
                ld (cur_layer),a
                call acc_ready
                ld a,NLAYERS-1
                or a
                jr z,sp_last
                ld b,a
sp_layer:       push bc
                ld de,DESC_SIZE
                add ix,de
                ld l,(ix+D_RUN)
                ld h,(ix+D_RUN+1)
                call jp_hl                  ; layer (ix) from the sums of the one before
                ld hl,cur_layer
                inc (hl)
                call acc_ready
                pop bc
                djnz sp_layer
sp_last:        call argmax
                ld c,a
                pop af
                jp po,sp_di                 ; interrupts were off before
                ei
sp_di:          ld a,c
                ret

;; acc_ready - called after every layer's sums are complete: cur_layer says which layer
;; (0 = the query half of layer 1) and acc_page which page pair holds the sums. A test
;; harness can stop here and read them. In: cur_layer, acc_page. Out: none. Clobbers:
;; nothing. T-states: 10.
acc_ready:      ret

;; push_window - shift the folded byte A into the context window (spec section 5).
;; In: A. Out: window (A stays). Clobbers: BC, DE, HL. T-states: 189.
push_window:    ld hl,window+1
                ld de,window
                ld bc,7
                ldir
                ld (de),a
                ret

;; fold - A-Z to a-z, every other byte unchanged (spec section 4.4). In: A. Out: A.
;; Clobbers: F. T-states: 18 below 'A', 30 above 'Z', 41 for A-Z.
fold:           cp 'A'
                ret c
                cp 'Z'+1
                ret nc
                add a,20h
                ret

;; jp_hl - call through HL: "call jp_hl" calls the routine at HL. In: HL. Out, clobbers:
;; the routine's. T-states: 4 plus the routine.
jp_hl:          jp (hl)
