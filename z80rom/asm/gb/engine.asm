; z80lm inference engine for the SM83 (Game Boy), bit-exact with shared/spec/inference.md.
;
; Design: layers are computed column by column, only for the inputs whose x is not 0 (the
; active list of (x, i) pairs, pushed by `scan` for layer 1 and by the ReLU, `finish_hidden`,
; for the layers after it, and popped by `acc_list`). Each column of the model is compiled
; code in a ROM bank (generated): for every non-zero weight w[j][i] it adds x, -x or -2x to
; the 16-bit sum of neuron j at ACC+2j.
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
; The active list: (x, i) pairs of the inputs of the next layer pass whose x is not 0, made by
; `scan` (layer 1) or the ReLU (`finish_hidden`) with PUSH below LIST_TOP, on top of an end
; mark x = 0; H_LSP keeps where it ends. `acc_list` walks it with POP (the pairs come out in
; reverse order: the sums do not depend on it). With SP walking the list, anything below SP is
; free (a consumed pair or the unused part of the list area), so the one return address the
; column code puts there is harmless.

; acc_list: acc[j] += w[j][i] * x[i] for every pair (x, i) of the active list, by calling
; column i's code (the byte code when 0 < x < 128).
; In: A = page of the layer's column table, H_LSP. Out: ACC updated; ROM bank at 0x4000
; changed. Clobbers: all.
; T-states: 204 + per input 188 (byte code), 176 (wide code, x >= 256) or 204 (wide code,
; 128 <= x < 256) + the column code (its RET included).
acc_list:
        ldh (H_TAB),a
        ld hl,sp+0
        ld a,l
        ldh (H_SP),a
        ld a,h
        ldh (H_SP+1),a              ; the real stack, back at .done
        ldh a,(H_LSP)
        ld l,a
        ldh a,(H_LSP+1)
        ld h,a
        ld sp,hl
.next:
        pop bc                      ; x
        ld a,b
        or a
        jr nz,.wide
        or c
        jr z,.done                  ; x = 0: the end mark
        bit 7,c
        jr nz,.wide
        xor a                       ; 0 < x < 128: the byte code (pages +3, +4) needs E = -x
        sub c
        ld e,a
        pop hl                      ; l = i
        ldh a,(H_TAB)
        ld h,a
        ld a,(hl)
        ld (MBC5_BANK),a
        inc h
        inc h
        inc h
        ld a,(hl)
        inc h
        ld h,(hl)
        ld l,a
        rst RST_JP_HL
        jr .next
.wide:
        xor a
        sub c
        ld e,a
        ld a,0
        sbc a,b
        ld d,a                      ; de = -x
        pop hl                      ; l = i
        ldh a,(H_TAB)               ; table entry: bank, wide code
        ld h,a
        ld a,(hl)
        ld (MBC5_BANK),a
        inc h
        ld a,(hl)
        inc h
        ld h,(hl)
        ld l,a
        rst RST_JP_HL
        jr .next
.done:
        ldh a,(H_SP)
        ld l,a
        ldh a,(H_SP+1)
        ld h,a
        ld sp,hl
        ret

; col_none: the code of a column without non-zero weights. T-states: 16.
col_none:
        ret

; list_open: saves the real stack in H_SP and points SP at LIST_TOP with the end mark pushed.
; Called by the list makers, which then PUSH (i, x) pairs and jump to list_close.
; Clobbers: A, DE, HL; SP. T-states: 108.
list_open:
        pop de                      ; our return address
        ld hl,sp+0
        ld a,l
        ldh (H_SP),a
        ld a,h
        ldh (H_SP+1),a
        ld sp,LIST_TOP
        ld hl,0
        push hl                     ; the end mark
        ld h,d
        ld l,e
        jp hl

; list_close: H_LSP = SP (the list's start), then returns to the list maker's caller on the
; real stack. Clobbers: A, HL. T-states: 100.
list_close:
        ld hl,sp+0
        ld a,l
        ldh (H_LSP),a
        ld a,h
        ldh (H_LSP+1),a
        ldh a,(H_SP)
        ld l,a
        ldh a,(H_SP+1)
        ld h,a
        ld sp,hl
        ret

; scan: the active list = the pairs (x[i], i) for i in L .. L+B-1 with x[i] != 0.
; In: L = first input, B = inputs (1-128). Out: the list, H_LSP. Clobbers: A, B, DE, HL.
; T-states: 60 per zero input, 108 per active one, + 252.
scan:
        ld c,l
        call list_open
        ld l,c
.loop:
        ld h,high(X_LO)
        ld a,(hl)
        inc h
        or (hl)
        jr z,.zero
        ld d,(hl)
        dec h
        ld e,(hl)
        push hl                     ; i
        push de                     ; x
.zero:
        inc l
        dec b
        jr nz,.loop
        jp list_close

; ---------------------------------------------------------------------------------------------
; load_acc: acc[j] = source[j] for j < B (B = 0 means 256): 2B bytes copied (an odd B copies
; one entry more, which the layer never reads). SP walks the source (IME = 0: nothing else
; uses the stack meanwhile).
; In: DE = source (low, high per neuron), B = count. Out: ACC. Clobbers: A, B, DE, HL.
; T-states: 44 per entry (B rounded up to even) + 224.
load_acc:
        ld hl,ACC
; copy_pairs: (HL) = (DE) for B pairs of bytes (B = 0: 256), as load_acc. Clobbers: A, B, DE,
; HL.
copy_pairs:
        ld a,b
        dec a
        srl a
        inc a
        ld b,a                      ; pairs of entries: (B+1)/2 rounded down, 1-128
        push hl
        ld hl,sp+2
        ld a,l
        ldh (H_SP),a
        ld a,h
        ldh (H_SP+1),a              ; the real stack as it is at our return (interrupts stay off:
        pop hl                      ; IME = 0, main.asm)
        ld a,e
        ld e,l
        ld l,a
        ld a,d
        ld d,h
        ld h,a
        ld sp,hl                    ; SP = source, DE = destination
        ld h,d
        ld l,e
.loop:
        pop de
        ld a,e
        ld (hl+),a
        ld a,d
        ld (hl+),a
        pop de
        ld a,e
        ld (hl+),a
        ld a,d
        ld (hl+),a
        dec b
        jr nz,.loop
        ldh a,(H_SP)
        ld l,a
        ldh a,(H_SP+1)
        ld h,a
        ld sp,hl
        ret

; store_q: Q = acc for all 256 entries. Clobbers: A, B, DE, HL. T-states: 11,416.
store_q:
        ld de,ACC
        ld hl,Q
        ld b,0
        jr copy_pairs

; finish_hidden: x[j] = max(acc[j] >> 2, 0) for j < B (0 = 256), >> rounding toward -inf; the
; active list = the pairs (x[j], j) with x[j] != 0 (the only inputs the next layer reads).
; In: B = count, ACC. Out: the list, H_LSP. Clobbers: A, B, C, DE, HL.
; T-states: 56 per negative sum, 108 when the shifted sum is 0, 136 per active neuron, + 264.
finish_hidden:
        call list_open
        ld hl,ACC
        ld c,0                      ; c = j
.loop:
        ld a,(hl+)
        ld e,a
        ld a,(hl+)                  ; a:e = acc[j]
        add a,a
        jr c,.next                  ; negative: x = 0
        rra                         ; (carry was 0)
        srl a
        rr e
        srl a
        rr e
        ld d,a                      ; de = acc[j] >> 2
        or e
        jr z,.next
        push bc                     ; j
        push de                     ; x
.next:
        inc c
        dec b
        jr nz,.loop
        jp list_close
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
; fold: A-Z -> a-z, every other byte unchanged (spec 4.4). In/out: A. Clobbers: F.
; T-states: 28 below 'A', 44 above 'Z', 56 for A-Z.
fold:
        cp 'A'
        ret c
        cp 'Z'+1
        ret nc
        add a,0x20
        ret

; hash_step: A = (A*31 + C) mod 256. Only the low 7 bits of the spec's 16-bit hash are used,
; and (h*31 + c) mod 128 depends only on h mod 128, so 8 bits suffice. In: A = h, C = byte.
; Out: A. Clobbers: B, F. T-states: 48.
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
; T-states: 16 + 48 per entry (6,160 for 128).
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
; add UNIT for each trigram at bucket hash & 127. In: LINE, LINE_LEN. Out: x[0..127].
; Clobbers: all. T-states: about 6,300 (clear_x of 128 and the copy) plus about 400 and an
; add_unit per trigram.
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

; push_window: shift the context window left and append fold(A). In: A, WIN. Out: WIN.
; Clobbers: A, B, DE, HL. T-states: 580-608 (with CTX = 8).
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
