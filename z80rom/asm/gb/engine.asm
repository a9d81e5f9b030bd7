; z80lm inference engine for the SM83 (Game Boy), bit-exact with shared/spec/inference.md.
;
; Design (shared with the Z80 engine's plan): layers are computed column by column and only for
; non-zero inputs. For each input i the generated model data holds a weight record in a ROM
; bank: chunks of output indices whose weight is +1, -1 or -2, so a layer costs one 16-bit add
; per non-zero weight of a non-zero input. The query part of layer 1 (inputs 0-127) is computed
; once per prompt and kept in Q; every step adds only the context part (inputs 128-255).
; Sums wrap at 16 bits exactly as the spec requires (plain 8-bit add/adc chains).
;
; Needs from the generated model.asm (host/src/engine/targets/gameboy/mod.rs):
;   L1_OUT (0 = 256), L1_BIAS (page: low bytes, +1 high bytes), L1_TAB (input table page),
;   NCLASS, EOS, CHARSET (page), finish_layers (finishes layer 1 and runs layers 2..L),
;   ADD_ENTRY (page: entry low bytes, +1 high bytes) and the unrolled adds ending at adds_end.
; Needs from the console driver: resp_out (A = response byte to print; may clobber all registers).

; Record format, at the bank/address of the input table entry:
;   { count (1-255), kind (V_PLUS / V_MINUS / V_MINUS2), count output indices } ... 0

; ---------------------------------------------------------------------------------------------
; respond: answers the line in LINE/LINE_LEN, printing each byte through con_out.
; In: LINE, LINE_LEN (<= MAX_QUERY). Out: OUT_N = bytes printed. Clobbers: all.
respond:
        call encode_query
        ld a,high(L1_BIAS)
        ld d,a
        ld b,L1_OUT
        call load_acc               ; acc = bias of layer 1
        xor a
        ldh (H_I),a
        ld a,128
        ldh (H_END),a
        ld a,high(L1_TAB)
        ldh (H_TAB),a
        call accumulate             ; + query part (inputs 0-127)
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
        ld a,high(Q_LO)
        ld d,a
        ld b,L1_OUT
        call load_acc
        ld a,128
        ldh (H_I),a
        xor a
        ldh (H_END),a
        ld a,high(L1_TAB)
        ldh (H_TAB),a
        call accumulate             ; + context part (inputs 128-255)
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
; accumulate: acc[j] += W[j][i] * x[i] for i = H_I .. H_END-1 (wrapping at 256) with x[i] != 0.
; In: H_I, H_END, H_TAB. Out: ACC updated; ROM bank at 0x4000 changed. Clobbers: all.
; T-states: 60 per zero input; per non-zero input about 190 + 100 per chunk + 60 per weight.
accumulate:
.next:
        ldh a,(H_I)
        ld l,a
        ld h,high(X_LO)
        ld c,(hl)
        inc h
        ld b,(hl)                   ; bc = x[i]
        ld a,c
        or b
        jr z,.skip
        ld a,c                      ; V_PLUS = x
        ldh (V_PLUS),a
        ld a,b
        ldh (V_PLUS+1),a
        xor a                       ; V_MINUS = -x
        sub c
        ld c,a
        ld a,0
        sbc a,b
        ld b,a
        ld a,c
        ldh (V_MINUS),a
        ld a,b
        ldh (V_MINUS+1),a
        sla c                       ; V_MINUS2 = -2x
        rl b
        ld a,c
        ldh (V_MINUS2),a
        ld a,b
        ldh (V_MINUS2+1),a
        ldh a,(H_TAB)               ; table entry: bank, pointer low, pointer high
        ld h,a
        ld a,(hl)
        ld (MBC5_BANK),a
        inc h
        ld e,(hl)
        inc h
        ld d,(hl)
        ld h,d
        ld l,e
        call chunks
.skip:
        ldh a,(H_I)
        inc a
        ldh (H_I),a
        ld b,a
        ldh a,(H_END)
        cp b
        jr nz,.next
        ret

; chunks: runs the chunks of one weight record.
; In: HL = record, V_* = the three values. Clobbers: all. Each chunk enters the unrolled adds
; (generated, 15 M-cycles per weight) at ADD_ENTRY[count]; the adds end with `jp chunks`.
chunks:
        ld a,(hl+)                  ; count
        or a
        ret z
        ld e,a
        ld a,(hl+)                  ; kind = HRAM address of the value
        ld c,a
        ld a,(c)
        ld b,a
        inc c
        ld a,(c)
        ld c,b
        ld b,a                      ; bc = value
        push hl
        ld h,high(ADD_ENTRY)
        ld l,e
        ld e,(hl)
        inc h
        ld d,(hl)
        pop hl
        push de
        ld d,high(ACC_LO)
        ret                         ; jump to the entry for `count` adds

; ---------------------------------------------------------------------------------------------
; load_acc: acc[j] = source[j] for j < B (B = 0 means 256).
; In: D = source low-byte page (high bytes on page D+1), B = count. Clobbers: A, B, DE, HL.
; T-states: 64 per entry.
load_acc:
        ld e,0
        ld hl,ACC_LO
.loop:
        ld a,(de)
        ld (hl),a
        inc d
        inc h
        ld a,(de)
        ld (hl),a
        dec d
        dec h
        inc e
        inc l
        dec b
        jr nz,.loop
        ret

; store_q: Q = acc for all 256 entries. Clobbers: A, B, DE, HL.
store_q:
        ld de,Q_LO
        ld hl,ACC_LO
        ld b,0
.loop:
        ld a,(hl)
        ld (de),a
        inc d
        inc h
        ld a,(hl)
        ld (de),a
        dec d
        dec h
        inc e
        inc l
        dec b
        jr nz,.loop
        ret

; finish_hidden: x[j] = max(acc[j] >> 2, 0) for j < B (0 = 256), >> rounding toward -inf.
; Clobbers: A, B, E, HL. T-states: about 100 per entry.
finish_hidden:
        ld hl,ACC_LO
.loop:
        ld e,(hl)
        inc h
        ld a,(hl)
        bit 7,a
        jr nz,.neg
        srl a
        rr e
        srl a
        rr e
        inc h
        ld (hl),e
        inc h
        ld (hl),a
        ld h,high(ACC_LO)
        inc l
        dec b
        jr nz,.loop
        ret
.neg:
        xor a
        inc h
        ld (hl),a
        inc h
        ld (hl),a
        ld h,high(ACC_LO)
        inc l
        dec b
        jr nz,.loop
        ret

; finish_logits: x[j] = acc[j] >> 2 (arithmetic) for j < B. Clobbers: A, B, E, HL.
finish_logits:
        ld hl,ACC_LO
.loop:
        ld e,(hl)
        inc h
        ld a,(hl)
        sra a
        rr e
        sra a
        rr e
        inc h
        ld (hl),e
        inc h
        ld (hl),a
        ld h,high(ACC_LO)
        inc l
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
