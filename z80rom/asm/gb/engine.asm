; z80lm inference engine for the SM83 (Game Boy), bit-exact with shared/spec/inference.md.
;
; Design: layers are computed column by column, only for the inputs whose x is not 0 (the
; active list LIST, built by `scan` for layer 1 and by the ReLU, `finish_hidden`, for the
; layers after it). Each column of the model is compiled code in a ROM bank (generated): for
; every non-zero weight w[j][i] it adds x, -x or -2x to the 16-bit sum of neuron j at ACC+2j.
; The query part of layer 1 (inputs 0-127) is computed once per prompt and kept in Q; every
; step adds only the context part (inputs 128-255). Sums wrap at 16 bits exactly as the spec
; requires (plain 8-bit add/adc chains).
;
; T-states are M-cycles x 4 (Pan Docs "CPU Instruction Set").
;
; Needs from the generated model.asm (host/src/engine/targets/gameboy/mod.rs):
;   L1_OUT (0 = 256), NCLASS, EOS, CHARSET (page), L1_BIAS (low, high per neuron),
;   L1_TAB (column table, pages: bank numbers, wide code low bytes, high bytes, byte code low
;   bytes, high bytes), finish_layers (finishes layer 1 and runs layers 2..L; logits in X).
; Needs from the console driver: resp_out (A = response byte to print; may clobber all).
;
; Column code contract (each column, in its bank at 0x4000-0x7FFF, generated):
;   In: BC = x, DE = -x. Adds x to the sums of its +1 weights, -x to those of its -1 weights,
;   then doubles DE and adds -2x to those of its -2 weights; returns. Clobbers: A, DE, HL.
;   Each column has two codes: the wide one (any x) and the byte one, run when 0 < x < 128
;   (x, -x and -2x then have the high bytes 0, 0xFF, 0xFF: only the low byte is added, and
;   the sum's high byte is stepped on a carry, or on its absence for -x and -2x).

; ---------------------------------------------------------------------------------------------
; respond: answers the line in LINE/LINE_LEN, printing each byte through resp_out.
; In: LINE, LINE_LEN (<= MAX_QUERY). Out: OUT_N = bytes printed. Clobbers: all.
respond:
        call encode_query
        ld de,L1_BIAS
        ld b,L1_OUT
        call load_acc               ; acc = bias of layer 1
        ld l,0
        ld b,128
        call scan                   ; the active query inputs
        ld a,high(L1_TAB)
        call acc_list               ; + query part (inputs 0-127)
        call store_q
        ld hl,WIN
        ld b,CTX
        ld a,' '
.fill:
        ld (hl+),a
        dec b
        jr nz,.fill
        xor a
        ld (OUT_N),a
.step:
        call encode_context         ; x[128..255]
        ld de,Q
        ld b,L1_OUT
        call load_acc               ; acc = bias + query part
        ld l,128
        ld b,128
        call scan                   ; the active context inputs
        ld a,high(L1_TAB)
        call acc_list               ; + context part (inputs 128-255)
        call finish_layers          ; generated: layer 1 activation, layers 2..L, logits in X
        ld b,NCLASS
        call argmax
        cp EOS
        ret z
        ld l,a
        ld h,high(CHARSET)
        ld a,(hl)
        push af
        call resp_out
        pop af
        call push_window
        ld a,(OUT_N)
        inc a
        ld (OUT_N),a
        cp MAX_OUT
        jr nz,.step
        ret

; ---------------------------------------------------------------------------------------------
; acc_list: acc[j] += w[j][i] * x[i] for every input i in LIST, by calling column i's code.
; In: A = page of the layer's column table, LIST, H_N, H_NH. Out: ACC updated; ROM bank at
; 0x4000 changed. Clobbers: all.
; T-states: 36 with LIST empty; per input 272 (wide code) or 284 (byte code) + the column
; code, + 24.
acc_list:
        ldh (H_TAB),a
        ldh a,(H_NH)
        ld b,a
        ldh a,(H_N)
        or b
        ret z
        ld hl,LIST
.next:
        ld a,(hl+)                  ; i
        push hl
        ld l,a
        ld h,high(X_LO)
        ld c,(hl)
        inc h
        ld b,(hl)                   ; bc = x[i]
        xor a
        sub c
        ld e,a
        ld a,0
        sbc a,b
        ld d,a                      ; de = -x[i]
        ldh a,(H_TAB)               ; table entry: bank, wide code, byte code
        ld h,a
        ld a,(hl)
        ld (MBC5_BANK),a
        ld a,b                      ; 0 < x < 128: the byte code (pages +3, +4)
        or a
        jr nz,.wide
        bit 7,c
        jr nz,.wide
        inc h
        inc h
.wide:
        inc h
        ld a,(hl)
        inc h
        ld h,(hl)
        ld l,a
        call call_hl
        pop hl
        ldh a,(H_N)
        dec a
        ldh (H_N),a
        jr nz,.next
        ret

; call_hl: jumps to HL (so that `call call_hl` calls HL). T-states: 4.
call_hl:
        jp hl

; col_none: the code of a column without non-zero weights. T-states: 16.
col_none:
        ret

; scan: LIST = the inputs i in L .. L+B-1 with x[i] != 0, in order; H_N = their number.
; In: L = first input, B = inputs (1-128). Out: LIST, H_N, H_NH = 0. Clobbers: A, B, DE, HL.
; T-states: 60 per zero input, 76 per active one, + 52.
scan:
        ld de,LIST
.loop:
        ld h,high(X_LO)
        ld a,(hl)
        inc h
        or (hl)
        jr z,.zero
        ld a,l
        ld (de),a
        inc e
.zero:
        inc l
        dec b
        jr nz,.loop
        ld a,e
        ldh (H_N),a
        xor a
        ldh (H_NH),a
        ret

; ---------------------------------------------------------------------------------------------
; load_acc: acc[j] = source[j] for j < B (B = 0 means 256): 2B bytes copied.
; In: DE = source (low, high per neuron), B = count. Out: ACC. Clobbers: A, B, DE, HL.
; T-states: 64 per entry + 28.
load_acc:
        ld hl,ACC
.loop:
        ld a,(de)
        inc de
        ld (hl+),a
        ld a,(de)
        inc de
        ld (hl+),a
        dec b
        jr nz,.loop
        ret

; store_q: Q = acc for all 256 entries. Clobbers: A, B, DE, HL. T-states: 16,416.
store_q:
        ld de,ACC
        ld hl,Q
        ld b,0
.loop:
        ld a,(de)
        inc de
        ld (hl+),a
        ld a,(de)
        inc de
        ld (hl+),a
        dec b
        jr nz,.loop
        ret

; finish_hidden: x[j] = max(acc[j] >> 2, 0) for j < B (0 = 256), >> rounding toward -inf, and
; LIST = the j with x[j] != 0 (the active inputs of the next layer). x[j] is written only for
; those j: the next layer reads no other.
; In: B = count, ACC. Out: X_LO/X_HI, LIST, H_N, H_NH. Clobbers: A, B, C, DE, HL.
; T-states: 56 per negative sum, 92 when the shifted sum is 0, 212 per active neuron, + 48.
finish_hidden:
        xor a
        ldh (H_N),a
        ldh (H_NH),a
        ld c,a                      ; c = j
        ld hl,ACC
.loop:
        ld a,(hl+)
        ld e,a
        ld a,(hl+)                  ; a:e = acc[j]
        bit 7,a
        jr nz,.next                 ; negative: x = 0
        srl a
        rr e
        srl a
        rr e
        ld d,a                      ; de = acc[j] >> 2
        or e
        jr z,.next
        push hl
        ld l,c
        ld h,high(X_LO)
        ld (hl),e
        inc h
        ld (hl),d
        ld h,high(LIST)
        ldh a,(H_N)
        ld l,a
        ld (hl),c
        inc a
        ldh (H_N),a
        jr nz,.in
        inc a
        ldh (H_NH),a                ; the 256th entry: H_N wrapped to 0
.in:
        pop hl
.next:
        inc c
        dec b
        jr nz,.loop
        ret

; finish_logits: x[j] = acc[j] >> 2 (arithmetic) for j < B (1-255).
; In: B, ACC. Out: X_LO/X_HI. Clobbers: A, B, C, DE, HL. T-states: 164 per entry + 20.
finish_logits:
        ld hl,ACC
        ld c,0
.loop:
        ld a,(hl+)
        ld e,a
        ld a,(hl+)
        sra a
        rr e
        sra a
        rr e
        ld d,a
        push hl
        ld l,c
        ld h,high(X_LO)
        ld (hl),e
        inc h
        ld (hl),d
        pop hl
        inc c
        dec b
        jr nz,.loop
        ret

; argmax: index of the first largest of the B (1-255) signed logits in X.
; Logits lie within +-8192, so flipping the sign bit gives an unsigned order.
; Out: A = index. Clobbers: A, B, C, DE, HL.
argmax:
        ld hl,X_LO
        ld e,(hl)
        inc h
        ld a,(hl)
        dec h
        xor 0x80
        ld d,a                      ; de = best (biased)
        ld c,0
        dec b
        jr z,.done
.loop:
        inc l
        inc h
        ld a,(hl)
        dec h
        xor 0x80
        cp d
        jr c,.next                  ; high byte smaller
        jr nz,.better
        ld a,(hl)
        cp e
        jr c,.next
        jr z,.next                  ; equal: the first one stays
.better:
        ld e,(hl)
        inc h
        ld a,(hl)
        dec h
        xor 0x80
        ld d,a
        ld c,l
.next:
        dec b
        jr nz,.loop
.done:
        ld a,c
        ret

; ---------------------------------------------------------------------------------------------
; fold: A-Z -> a-z, every other byte unchanged (spec 4.4). In/out: A.
fold:
        cp 'A'
        ret c
        cp 'Z'+1
        ret nc
        add a,0x20
        ret

; hash_step: A = (A*31 + C) mod 256. Only the low 7 bits of the spec's 16-bit hash are used,
; and (h*31 + c) mod 128 depends only on h mod 128, so 8 bits suffice. Clobbers: B.
hash_step:
        ld b,a
        swap a
        and 0xF0
        add a,a                     ; h*32
        sub b                       ; h*31
        add a,c
        ret

; add_unit: x[A] += UNIT (16-bit). Clobbers: A, HL.
add_unit:
        ld l,a
        ld h,high(X_LO)
        ld a,(hl)
        add a,UNIT
        ld (hl),a
        ret nc
        inc h
        inc (hl)
        ret

; clear_x: x[j] = 0 for j = L .. L+B-1. In: L, B (0 = 256). Clobbers: A, B, HL.
clear_x:
        xor a
.loop:
        ld h,high(X_LO)
        ld (hl),a
        inc h
        ld (hl),a
        inc l
        dec b
        jr nz,.loop
        ret

; encode_query: x[0..127] from LINE (spec 4): skip leading spaces, fold, pad with spaces,
; add UNIT for each trigram at bucket hash & 127. Clobbers: all.
encode_query:
        ld l,0
        ld b,128
        call clear_x
        ld hl,LINE
        ld a,(LINE_LEN)
        ld b,a
        inc b
.skip:
        dec b                       ; b = bytes left
        ret z                       ; nothing left: all-zero query
        ld a,(hl)
        cp ' '
        jr nz,.copy
        inc hl
        jr .skip
.copy:
        ld de,TBUF
        ld a,' '
        ld (de),a
        inc de
        ld c,b                      ; c = L
.cp:
        ld a,(hl+)
        call fold
        ld (de),a
        inc de
        dec b
        jr nz,.cp
        ld a,' '
        ld (de),a
        ld hl,TBUF                  ; one trigram per start 0 .. L-1
.tri:
        push hl
        push bc
        xor a
        ld c,(hl)
        call hash_step
        inc hl
        ld c,(hl)
        call hash_step
        inc hl
        ld c,(hl)
        call hash_step
        and 0x7F
        call add_unit
        pop bc
        pop hl
        inc hl
        dec c
        jr nz,.tri
        ret

; encode_context: x[128..255] from WIN (spec 5): for n = 1..3 and p = 0..8-n the n-gram
; w[p..p+n-1] hashed with seed 7p adds UNIT at 128 + (hash & 127). Clobbers: all.
encode_context:
        ld l,128
        ld b,128
        call clear_x
        ld a,1
        ld (CTX_N),a
.len:
        xor a
        ld (CTX_P),a
.pos:
        ld a,(CTX_P)
        ld e,a
        ld d,0
        ld hl,WIN
        add hl,de
        ld a,(CTX_N)
        ld d,a                      ; d = bytes to hash
        ld a,e                      ; seed 7p = 8p - p
        add a,a
        add a,a
        add a,a
        sub e
.hash:
        ld c,(hl)
        inc hl
        call hash_step
        dec d
        jr nz,.hash
        and 0x7F
        or 0x80
        call add_unit
        ld a,(CTX_N)                ; next p while p + n < 8
        ld b,a
        ld a,(CTX_P)
        inc a
        ld (CTX_P),a
        add a,b
        cp CTX+1
        jr c,.pos
        ld a,b
        inc a
        ld (CTX_N),a
        cp 4
        jr c,.len
        ret

; push_window: shift the context window left and append fold(A). Clobbers: A, B, DE, HL.
push_window:
        call fold
        ld hl,WIN
        ld de,WIN+1
        ld b,CTX-1
.mv:
        push af
        ld a,(de)
        ld (hl+),a
        inc de
        pop af
        dec b
        jr nz,.mv
        ld (hl),a
        ret
