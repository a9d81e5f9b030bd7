;; layers.asm - the layer driver: biases, the column scatter, ReLU and argmax (spec 6, 7).
;;
;; Every layer is computed column by column over its non-zero inputs only: acc[j] += W[j][i]
;; * x[i] for each active input i. The sums live in two page-aligned tables, acc_lo and
;; acc_hi (low and high bytes), indexed by the neuron number in L, so one add is
;; "ld a,(hl) / add a,c / ld (hl),a / inc h / ld a,(hl) / adc a,b / ld (hl),a / dec h".
;; Adds are modulo 2^16 in any order, which is exactly the wrap16 of the spec.
;;
;; The active list (from act_head) holds 4-byte entries: x (16 bits, > 0) and the address of the
;; column's stream; x = 0 ends it. A stream is read with SP. For the "lists" layout the
;; stream is threaded code: words naming generated add blocks (one per weight: +1, -1, -2),
;; each followed by its neuron numbers (read with POP DE), then op_next. For the "packed"
;; layout it is 2-bit codes walked by the packed kernel, which returns to op_next16.
;;
;; layer_tab (generated) has one DESC_SIZE-byte descriptor per layer:
D_OUT           equ 0               ; dw outputs (1..256)
D_BIAS_LO       equ 2               ; dw address of the low bytes of the biases
D_BIAS_HI       equ 4               ; dw address of the high bytes of the biases
D_KERN          equ 6               ; dw column driver: op_next (lists) or op_next16 (packed)
D_COLFN         equ 8               ; dw column function: A = input index -> DE = stream
D_PAGE          equ 10              ; dw first ROM page of the layer's weights (paged images)
D_RUN           equ 12              ; dw layers 2..: computes the layer from the sums of the one
                                    ;    before at acc_page and leaves acc_page at its own sums
                                    ;    (run_list: the same pages; a fused pass fz_k: others)
DESC_SIZE       equ 14
;;
;; Paged images (RC2014 512K) define WEIGHT_PAGE_PORT: the page registers of two adjacent
;; 16K windows, which layer_scatter loads with the layer's pages D_PAGE and D_PAGE+1 before it
;; walks the layer's streams. Everything else the engine reads (tables, column tables, biases,
;; empty streams) stays in the fixed part of the image. MSX cartridges (ASCII8 mapper) define
;; MSX_ASCII8 instead: the layer's weights are banks D_PAGE.. in the three 8K windows at
;; 6000h-BFFFh, selected by writes to the mapper registers ASCII8_6000/8000/A000. The ZX
;; Spectrum 128K defines ZX128_PAGED: D_PAGE is the value for port 7FFDh that puts the layer's
;; RAM bank at C000h.

;; acc_bias - sums of layer (ix) := its biases, in the page pair at acc_page.
;; In: IX, acc_page. Out: the sums. Clobbers: AF, BC, DE, HL. T-states: 223 plus two copy of
;; D_OUT bytes.
acc_bias:       ld a,(acc_page)
                ld d,a
                ld e,0
                ld l,(ix+D_BIAS_LO)
                ld h,(ix+D_BIAS_LO+1)
                ld c,(ix+D_OUT)
                ld b,(ix+D_OUT+1)
                push bc
                call copy
                pop bc
                ld a,(acc_page)
                inc a
                ld d,a
                ld e,0
                ld l,(ix+D_BIAS_HI)
                ld h,(ix+D_BIAS_HI+1)
                ; fall through

;; copy - LDIR from HL to DE for BC > 0 bytes, 8 LDIs a round when BC is a multiple of 8
;; (16 T a byte instead of 21). Clobbers: AF, BC, DE, HL.
copy:           ld a,c
                and 7
                jr nz,cp_slow
cp_round:       ldi
                ldi
                ldi
                ldi
                ldi
                ldi
                ldi
                ldi
                jp pe,cp_round
                ret
cp_slow:        ldir
                ret

;; layer_scatter - add every column of the active list into the sums at acc_page, with the
;; column driver of layer (ix). Clobbers: all but IX (alternate registers included).
layer_scatter:
                ifdef WEIGHT_PAGE_PORT
                ld a,(ix+D_PAGE)            ; map the layer's weights (two 16K pages)
                out (WEIGHT_PAGE_PORT),a
                inc a
                out (WEIGHT_PAGE_PORT+1),a
                endif
                ifdef MSX_ASCII8
                ld a,(ix+D_PAGE)            ; map the layer's weights (three 8K banks)
                ld (ASCII8_6000),a
                inc a
                ld (ASCII8_8000),a
                inc a
                ld (ASCII8_A000),a
                endif
                ifdef ZX128_PAGED
                ld a,(ix+D_PAGE)            ; the layer's RAM bank at C000h
                ld bc,7FFDh
                out (c),a
                endif
                ld a,(ix+D_OUT)             ; packed kernels stop at out rounded up to 8
                add a,7
                and 0F8h
                ld (pk_end),a
                ld a,(acc_page)
                ex af,af'                   ; A' = acc page (lists)
                ld hl,(act_head)
                ld (act_ptr),hl             ; packed: list pointer in memory
                exx
                ld hl,(act_head)            ; HL' = list pointer (lists)
                ld b,0                      ; B' = high byte of x still to add (lists)
                exx
                ld l,(ix+D_KERN)
                ld h,(ix+D_KERN+1)
                ld (sp_save),sp
                jp (hl)

;; op_next - threaded op ending every column of a "lists" layer: start the next column.
;; The lists add 8-bit values (C) with a carry into the high byte. A column whose x is 256
;; or more runs twice: the low byte of x into the sums, then the high byte of x into the
;; high bytes (H one page up; carries land in a scratch page). Both are exact modulo 2^16.
;; Alternate registers: HL' = next list entry, B' = pending high byte, DE' = column start;
;; A' = acc page. About 134 T per column.
op_next:        exx
                ld a,b
                or a
                jr nz,op_hi_pass
                ld c,(hl)                   ; x, low byte
                inc hl
                ld b,(hl)                   ; x, high byte: a second pass when > 0
                inc hl
                ld e,(hl)
                inc hl
                ld d,(hl)                   ; the column's stream
                inc hl
                ld a,c
                or b
                jr z,op_end_x               ; x = 0 ends the list
                ex de,hl
                ld sp,hl
                ex de,hl
                ld a,c
                exx
                ld c,a
                ex af,af'
                ld h,a
                ex af,af'
                ret                         ; run the column's stream
op_hi_pass:     ld b,0
                ex de,hl
                ld sp,hl                    ; the same column again
                ex de,hl
                exx
                ld c,a                      ; the high byte of x
                ex af,af'
                ld h,a
                inc h                       ; into the high bytes
                ex af,af'
                ret

;; op_startc / op_nextc - the column driver of layer 1 when its sums are 8-bit counters
;; (COUNTERS, see host/src/engine/counters.rs): x is the bucket's count n (1..62, high byte 0)
;; and the column's stream (count blocks: dec (hl) for +1, inc (hl) for -1, twice for -2) runs
;; n times. layer_scatter enters at op_startc; every stream ends at op_nextc.
;; In: alternate set HL' = the active list, A' = the counters' page. Alternate registers:
;; B' = runs of the column still to go, DE' = the column's stream. Out: to op_end_x after the
;; last column. About 125 T per column and 60 T per further run.
                ifdef COUNTERS
op_startc:      exx
                jr oc_new
op_nextc:       exx
                dec b
                jr nz,oc_run                ; the same column again
oc_new:         ld b,(hl)                   ; n
                inc hl
                inc hl                      ; (x's high byte: 0)
                ld e,(hl)
                inc hl
                ld d,(hl)                   ; the column's stream
                inc hl
                ld a,b
                or a
                jr z,op_end_x               ; n = 0 ends the list
oc_run:         ex de,hl
                ld sp,hl
                ex de,hl
                exx
                ex af,af'
                ld h,a
                ex af,af'
                ret                         ; run the column's stream
                endif

;; op_next16 - the column driver of "packed" layers: BC = x (16 bits), SP = the column's
;; codes, H = acc page; runs the packed kernel, which jumps back here.
op_next16:      ld hl,(act_ptr)
                ld c,(hl)
                inc hl
                ld b,(hl)
                inc hl
                ld e,(hl)
                inc hl
                ld d,(hl)
                inc hl
                ld (act_ptr),hl
                ld a,b
                or c
                jr z,op_end
                ex de,hl
                ld sp,hl
                ld a,(acc_page)
                ld h,a
                jp pk

;; op_end - the active list is done: back to the caller of layer_scatter.
op_end_x:       exx
op_end:         ld sp,(sp_save)
                ret

;; run_list - layer (ix) from the sums of layer (ix-DESC_SIZE) at acc_page, through an active
;; list: relu, then the biases, then the column driver; the sums stay in the same page pair.
;; In: IX = the layer's descriptor, acc_page. Out: the layer's sums at acc_page.
;; Clobbers: all but IX (alternate registers included). T: relu + acc_bias + layer_scatter.
run_list:       call relu
                call acc_bias
                jp layer_scatter

;; relu - the active list for layer (ix) from the sums of layer (ix-DESC_SIZE) at acc_page: every
;; neuron with y = acc >> 2 > 0 (floor shift of the wrapped sum, then ReLU) gives an entry (y,
;; stream of that input in layer ix). The list is pushed downwards from act_end (order does not
;; matter: adds modulo 2^16 commute). About 38 T per zero neuron, 180 T per non-zero one.
;; Clobbers: all but IX, IY.
relu:           ld l,(ix+D_COLFN)
                ld h,(ix+D_COLFN+1)
                ld (colfn),hl
                ld hl,0
                ld (act_end),hl             ; the terminator: x = 0
                ld (sp_save),sp
                ld sp,act_end
                ld b,(ix-DESC_SIZE+D_OUT)   ; 256 outputs -> 0 -> 256 rounds of djnz
                ld a,(acc_page)             ; scan the high bytes; L = neuron
                inc a
                ld h,a
                ld l,0
rl_loop:        ld a,(hl)
                or a
                jp m,rl_zero                ; negative: ReLU gives 0
                jr nz,rl_big
                dec h
                ld a,(hl)
                inc h
                cp 4
                jr c,rl_zero                ; 0..3 >> 2 = 0
                ld e,a
                ld d,0
                jr rl_pos
rl_big:         ld d,a
                dec h
                ld e,(hl)
                inc h
rl_pos:         srl d
                rr e
                srl d
                rr e                        ; DE = y
                ld a,l
                exx
                ld hl,(colfn)
                call jp_hl                  ; DE' = stream of input A (the CALL uses free list space)
                push de
                exx
                push de
rl_zero:        inc l
                djnz rl_loop
                ld (act_head),sp
                ld sp,(sp_save)
                ret

                ifdef FUSED
;; The fused pass of a "lists" layer k >= 2 (generated fz_k, fzs_k and h_k in the model file;
;; the sums of layer k-1 and of layer k sit in different page pairs): one scan over the high
;; bytes of layer k-1 (fzs_k: `cp (hl) / call nc,h_k / inc l`, 16 a round, in the alternate
;; set, A = 7Fh) finds the neurons with acc >= 0, and h_k, still in that set, takes y = acc >> 2
;; and, if y > 0, looks up that neuron's column of layer k, switches to the main set (C = x,
;; H = the page of layer k's low bytes, kept there for the whole pass) and runs the column at
;; once, with no active list and no column driver between. The column's stream ends at op_col,
;; which returns to the scan through the CALL's return address, still at fz_stack-2 (the
;; stream is walked with SP, which only reads). Per neuron of layer k-1: 21 T when its sum is
;; negative; else the call 17 + h_k (~60 T back for y = 0, ~120 T into the stream) + the
;; column's adds + 31 (op_col).

;; op_col - ends every column stream of a fused layer: back to the scan. In: main set. Out:
;; alternate set, A = 7Fh, SP = fz_stack. 31 T.
op_col:         ld sp,fz_stack-2
                ld a,7Fh
                exx
                ret

;; fz_huge - the column of a neuron with y >= 256: two passes, the low byte of y into the sums,
;; then (oc_high) its high byte into the high bytes, both exact modulo 2^16. The scan's return
;; address moves to IY and oc_high takes its place, so op_col comes to oc_high after the
;; first pass. In: main set, DE = the column's stream, H = the page of the low bytes,
;; (fz_x) = y. Out: the stream runs with BC = y. Clobbers: BC, IY. 93 T.
fz_huge:        ld (col_start),de
                ld iy,(fz_stack-2)
                ld bc,oc_high
                ld (fz_stack-2),bc
                ld bc,(fz_x)
                ex de,hl
                ld sp,hl
                ex de,hl
                ret

;; oc_high - the second pass: the high byte of y (B) into the high bytes (H one page up;
;; carries land in the scratch page above them); op_col then comes to oc_done, which puts H
;; back and returns to the scan at IY. In: alternate set (from op_col), SP = fz_stack. Out:
;; main set, C = B, SP = the stream again. 63 T + the pass + 31 (oc_done).
oc_high:        exx
                ld c,b
                ld de,oc_done
                ld (fz_stack-2),de
                ld sp,(col_start)
                inc h
                ret
oc_done:        exx
                dec h
                exx
                jp (iy)
                endif

;; argmax - index of the largest acc >> 2 of the last layer (ix), sums at acc_page; the lowest
;; index wins a tie (spec 7). acc >> 2 orders as acc with its two low bits cleared, and a
;; signed 16-bit number orders as an unsigned one with its sign bit flipped, so each sum is
;; compared as (hi xor 80h, lo and 0FCh), high byte first, with the best so far in DE (from
;; 0, which neuron 0 can only equal). Out: A. Clobbers: AF, BC, DE, HL. T: 31 plus 55 per
;; sum whose high byte is below the best's, up to 129 per new best.
argmax:         ld b,(ix+D_OUT)             ; 256 outputs -> 0 -> 256 rounds of djnz
                ld a,(acc_page)
                ld h,a
                ld l,0
                ld de,0
                ld c,e
am_loop:        inc h
                ld a,(hl)
                dec h
                xor 80h
                cp d
                jr c,am_next                ; high byte below the best's
                jr nz,am_new
                ld a,(hl)
                and 0FCh
                cp e
                jr c,am_next
                jr z,am_next                ; equal: the lower index stays
am_new:         ld a,(hl)
                and 0FCh
                ld e,a
                inc h
                ld a,(hl)
                dec h
                xor 80h
                ld d,a
                ld c,l
am_next:        inc l
                djnz am_loop
                ld a,c
                ret
