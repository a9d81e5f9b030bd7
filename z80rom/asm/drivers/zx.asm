; zx.asm - ZX Spectrum 48K and 128K console driver for the z80lm chat engine.
;
; Interface (used by the engine core): con_init, con_in, con_out, sys_args, sys_exit. Each
; preserves BC, DE, HL, IX and IY; A and F may be clobbered. No ROM routine is called:
; interrupts are disabled by con_init, so the ROM's IM 1 handler (which needs IY = 0x5C3A)
; never runs while we do. zx_entry is where RANDOMIZE USR enters; sys_exit returns to BASIC
; with BASIC's stack, IY = 0x5C3A, H'L' = 0x2758 (what the ROM's calculator expects back
; from USR code: "The Complete Spectrum ROM Disassembly", USR) and interrupts on.
;
; Keyboard: our own scan of the 8 half-rows on port 0xFE (ZX Spectrum manual ch. 23), polled
; about once per millisecond, with debounce (a change must be seen on ZX_DEBOUNCE consecutive
; polls) and auto-repeat (first repeat after ZX_REPEAT_DELAY ms, then every ZX_REPEAT_RATE ms).
; Key codes: letters and digits as on the keys (lower case; CAPS SHIFT gives upper case),
; SYMBOL SHIFT gives the red symbols (! @ # $ % & ' ( ) _ < > ; " ^ - + = : ? / * , . and
; 0x60 = pound), plus ~ | \ { } on SYMBOL SHIFT + A S D F G. ENTER = 13, CAPS SHIFT + 0
; (DELETE) = 8. Other shifted keys are ignored.
;
; Screen: 32 x ZX_ROWS text (24 unless the including file sets ZX_ROWS = 8 or 16 to keep the
; bottom thirds of the display file for data; their attributes are then set to white on
; white so the data is not seen) in the display file (0x4000) with the ROM font at 0x3D00, black on
; white. CR returns to column 0, LF moves down one line (scrolling the whole screen up at the
; bottom), BS moves left one cell (to the end of the previous line at column 0). Printable
; bytes 0x20-0x7F are drawn; any other byte is drawn as '?'. Wrapping is deferred: the 33rd
; character of a line starts the next one, so a 32-character line followed by CR LF does not
; leave a blank line. The cursor is the flashing attribute of the cell where the next
; character goes; it does not touch the pixels.

        ifndef ZX_ROWS
ZX_ROWS         equ 24
        endif
ZX_FONT         equ 0x3C00      ; ROM font (0x3D00) minus 0x20 * 8
ZX_SCREEN       equ 0x4000
ZX_ATTRS        equ 0x5800
ZX_ATTR_TEXT    equ 0x38        ; paper white, ink black (the ROM's default)
ZX_ATTR_CURSOR  equ 0x87        ; flash, paper black, ink white
ZX_ATTR_HIDDEN  equ 0x3F        ; paper white, ink white: rows kept for data
ZX_DEBOUNCE     equ 5           ; polls (ms) a key change must persist
ZX_REPEAT_DELAY equ 600         ; ms before the first auto-repeat
ZX_REPEAT_RATE  equ 80          ; ms between repeats

; zx_entry: RANDOMIZE USR jumps here: keep BASIC's stack pointer for sys_exit, then start.
zx_entry:
        ld (zx_basic_sp), sp
        jp start

; sys_args: no command line on the Spectrum. Out: B = 0. Clobbers: nothing else.
sys_args:
        ld b, 0
        ret

; sys_exit: back to BASIC ("0 OK"), as if the USR routine returned 0.
sys_exit:
        ld sp, (zx_basic_sp)
        ifdef ZX128_PAGED
        ld a, (zx128_bankm)     ; the 128K's paging as BASIC had it (saved by zx128_boot)
        ld (0x5B5C), a          ; BANKM
        ld bc, 0x7FFD
        out (c), a
        endif
        ld iy, 0x5C3A
        exx
        ld hl, 0x2758
        exx
        im 1
        ei
        ld bc, 0
        ret

; con_init: clear the screen, home the cursor, disable interrupts.
; In: none. Out: none. Clobbers: A, F. About 150,000 T-states (screen clear).
con_init:
        di
        push bc
        push de
        push hl
        ld a, 7
        out (0xFE), a           ; white border, MIC and beeper off
        ld hl, ZX_SCREEN
        ld de, ZX_SCREEN + 1
        ld bc, ZX_ROWS * 256 - 1
        ld (hl), 0
        ldir
        ld hl, ZX_ATTRS
        ld de, ZX_ATTRS + 1
        ld bc, ZX_ROWS * 32 - 1
        ld (hl), ZX_ATTR_TEXT
        ldir
        if ZX_ROWS < 24
        ld hl, ZX_ATTRS + ZX_ROWS * 32
        ld de, ZX_ATTRS + ZX_ROWS * 32 + 1
        ld bc, (24 - ZX_ROWS) * 32 - 1
        ld (hl), ZX_ATTR_HIDDEN
        ldir
        endif
        xor a
        ld (zx_row), a
        ld (zx_col), a
        ld (zx_release), a
        ld a, 13                ; ENTER may still be held from the loader: ignore it
        ld (zx_last), a
        call zx_cursor_on
        pop hl
        pop de
        pop bc
        ret

; con_in: wait for a key press (debounced, with auto-repeat) and return its code.
; In: none. Out: A = key code (see header). Clobbers: F. Time: until a key is pressed.
con_in:
        push bc
        push de
        push hl
zx_in_poll:
        call zx_scan
        or a
        jr nz, zx_in_key
        call zx_no_key          ; no key: count release polls, forget the key after debounce
        call zx_delay
        jr zx_in_poll
zx_in_key:
        ld e, a
        xor a
        ld (zx_release), a
        ld a, (zx_last)
        cp e
        jr z, zx_in_held
        ld d, ZX_DEBOUNCE       ; a new key: it must stay the same for ZX_DEBOUNCE polls
zx_in_debounce:
        call zx_delay
        push de
        call zx_scan
        pop de
        cp e
        jr nz, zx_in_poll
        dec d
        jr nz, zx_in_debounce
        ld a, e
        ld (zx_last), a
        ld hl, ZX_REPEAT_DELAY
        ld (zx_repeat), hl
        jr zx_in_done
zx_in_held:
        call zx_delay           ; the same key still held: count down to the next repeat
        ld hl, (zx_repeat)
        dec hl
        ld (zx_repeat), hl
        ld a, h
        or l
        jr nz, zx_in_poll
        ld hl, ZX_REPEAT_RATE
        ld (zx_repeat), hl
        ld a, e
zx_in_done:
        pop hl
        pop de
        pop bc
        ret

; zx_no_key: one poll that saw no key held: count it; on the poll after ZX_DEBOUNCE of them
; the last key is forgotten, so pressing it again is a new key.
; In: none. Out: none. Clobbers: A, F, HL. T-states: 69 (counted), 80 (forgotten), the call
; included.
zx_no_key:
        ld hl, zx_release
        ld a, (hl)
        cp ZX_DEBOUNCE
        jr nc, zx_no_key_forget
        inc (hl)
        ret
zx_no_key_forget:
        xor a
        ld (zx_last), a
        ret

; zx_scroll_poll: a keyboard poll after each character row of a scroll (which takes far longer
; than the debounce): a key let go and pressed again while the screen scrolls is still two
; presses. A row takes at least 6,500 T-states (1.9 ms; more where contended, as on the 128K,
; whose driver is in contended RAM), so a poll with no key counts as two of con_in's 1 ms
; polls. In: none. Out: none. Clobbers: A, F, BC, DE, HL. T-states: about 800 (zx_scan and
; the count).
zx_scroll_poll:
        call zx_scan
        or a
        jr nz, zx_scroll_poll_key
        call zx_no_key
        jr zx_no_key
zx_scroll_poll_key:
        xor a                   ; a key held: the release polls start again
        ld (zx_release), a
        ret

; con_out: print one byte at the cursor (CR, LF and BS move the cursor; see header).
; In: A = byte. Out: none. Clobbers: A, F. About 400 T-states per character, about
; 167,000 when the screen scrolls.
con_out:
        push bc
        push de
        push hl
        push af
        call zx_cursor_off
        pop af
        cp 13
        jr z, zx_out_cr
        cp 10
        jr z, zx_out_lf
        cp 8
        jr z, zx_out_bs
        cp 0x20
        jr c, zx_out_unknown
        cp 0x80
        jr c, zx_out_char
zx_out_unknown:
        ld a, '?'
zx_out_char:
        push af
        ld a, (zx_col)
        cp 32
        call nc, zx_newline     ; deferred wrap
        pop af
        call zx_draw
        ld hl, zx_col
        inc (hl)
        jr zx_out_done
zx_out_cr:
        xor a
        ld (zx_col), a
        jr zx_out_done
zx_out_lf:
        call zx_linefeed
        jr zx_out_done
zx_out_bs:
        ld hl, zx_col
        ld a, (hl)
        or a
        jr z, zx_out_bs_up
        dec (hl)
        jr zx_out_done
zx_out_bs_up:
        ld a, (zx_row)
        or a
        jr z, zx_out_done
        dec a
        ld (zx_row), a
        ld (hl), 31
zx_out_done:
        call zx_cursor_on
        pop hl
        pop de
        pop bc
        ret

; zx_newline: column 0 of the next line. zx_linefeed: next line, same column.
; In: zx_row (zx_col). Out: zx_row, zx_col. Both scroll at the bottom. Clobbers: A, F, BC,
; DE, HL. T-states: 54 (linefeed), 71 (newline), about 167,000 when they scroll.
zx_newline:
        xor a
        ld (zx_col), a
zx_linefeed:
        ld a, (zx_row)
        inc a
        cp ZX_ROWS
        jr nc, zx_scroll
        ld (zx_row), a
        ret

; zx_scroll: move character rows 1..ZX_ROWS-1 up one row and clear the last (pixels only: every
; attribute is ZX_ATTR_TEXT while the cursor is off), polling the keyboard after each row. In,
; out: none. Clobbers: A, F, BC, DE, HL. T-states: about 167,000 uncontended (23 rows of 8
; LDIRs of 32 bytes and a keyboard poll, then the clear).
zx_scroll:
        xor a                   ; A = destination row
zx_scroll_row:
        push af
        ld c, 0
        call zx_cell_addr
        ex de, hl               ; DE = destination row
        pop af
        push af
        inc a
        call zx_cell_addr       ; HL = source row (C is still 0)
        ld b, 8
zx_scroll_line:
        push bc
        push hl
        push de
        ld bc, 32
        ldir
        pop de
        pop hl
        inc h                   ; next pixel line of the same character row
        inc d
        pop bc
        djnz zx_scroll_line
        call zx_scroll_poll     ; about every 6,500 T-states
        pop af
        inc a
        cp ZX_ROWS - 1
        jr c, zx_scroll_row
        ld c, 0
        call zx_cell_addr       ; A = ZX_ROWS - 1
        ld b, 8
zx_scroll_clear:
        push bc
        push hl
        ld d, h
        ld e, l
        inc e
        ld (hl), 0
        ld bc, 31
        ldir
        pop hl
        inc h
        pop bc
        djnz zx_scroll_clear
        ret

; zx_cell_addr: pixel line 0 of a character cell.
; In: A = row 0..ZX_ROWS-1, C = column 0-31. Out: HL. Clobbers: A, F. T-states: 76.
zx_cell_addr:
        push af
        and 0x18
        or ZX_SCREEN / 256
        ld h, a
        pop af
        and 7
        rrca
        rrca
        rrca
        or c
        ld l, a
        ret

; zx_draw: draw glyph A (0x20-0x7F) at the cursor cell. In: A, zx_row, zx_col. Out: none.
; Clobbers: A, F, BC, DE, HL. T-states: 484 (more when the screen write is contended).
zx_draw:
        ld l, a
        ld h, 0
        add hl, hl
        add hl, hl
        add hl, hl
        ld de, ZX_FONT
        add hl, de
        ex de, hl               ; DE = glyph
        ld a, (zx_col)
        ld c, a
        ld a, (zx_row)
        call zx_cell_addr
        ld b, 8
zx_draw_line:
        ld a, (de)
        ld (hl), a
        inc de
        inc h
        djnz zx_draw_line
        ret

; zx_cursor_on / zx_cursor_off: set the attribute of the cursor cell (column 32, after a
; full line, shows on column 31). In: zx_row, zx_col. Out: none. Clobbers: A, F, BC, HL.
; T-states: 178 (on), 166 (off); 2 more at column 32.
zx_cursor_on:
        ld b, ZX_ATTR_CURSOR
        jr zx_cursor_set
zx_cursor_off:
        ld b, ZX_ATTR_TEXT
zx_cursor_set:
        ld a, (zx_col)
        cp 32
        jr c, zx_cursor_col
        ld a, 31
zx_cursor_col:
        ld c, a
        ld a, (zx_row)
        ld l, a
        ld h, 0
        add hl, hl
        add hl, hl
        add hl, hl
        add hl, hl
        add hl, hl
        ld a, l
        or c
        ld l, a
        ld a, h
        add a, ZX_ATTRS / 256
        ld h, a
        ld (hl), b
        ret

; zx_scan: read the keyboard matrix once.
; In: none. Out: A = code of the first non-shift key held, with the shifts applied; 0 if none
; (or a key with no code). Clobbers: F, BC, DE, HL. About 600 T-states.
zx_scan:
        ld a, 0xFE
        in a, (0xFE)
        cpl
        and 1
        ld h, a                 ; H bit 0 = CAPS SHIFT
        ld a, 0x7F
        in a, (0xFE)
        cpl
        and 2
        or h
        ld h, a                 ; H bit 1 = SYMBOL SHIFT
        ld bc, 0xFEFE           ; B = half-row select (A8 low first), C = port
        ld d, 0                 ; D = 5 * row
zx_scan_row:
        in a, (c)
        cpl
        and 0x1F
        ld l, a
        ld a, b
        cp 0xFE
        jr nz, zx_scan_not_caps
        res 0, l                ; CAPS SHIFT is not a key of its own
zx_scan_not_caps:
        cp 0x7F
        jr nz, zx_scan_not_sym
        res 1, l                ; nor is SYMBOL SHIFT
zx_scan_not_sym:
        ld a, l
        or a
        jr nz, zx_scan_found
        ld a, d
        add a, 5
        ld d, a
        rlc b
        jr c, zx_scan_row
        xor a
        ret
zx_scan_found:
        rr l                    ; lowest held bit -> key index D
        jr c, zx_scan_index
        inc d
        jr zx_scan_found
zx_scan_index:
        ld e, d
        ld d, 0
        ld a, h
        ld hl, zx_keys_sym
        bit 1, a
        jr nz, zx_scan_lookup
        ld hl, zx_keys_caps
        bit 0, a
        jr nz, zx_scan_lookup
        ld hl, zx_keys_plain
zx_scan_lookup:
        add hl, de
        ld a, (hl)
        ret

; zx_delay (drivers/zx_delay.asm) times the keyboard polls. A build that puts this driver in
; contended memory defines ZX_DELAY_HIGH and includes zx_delay.asm itself, above 0x8000, where
; the ULA cannot stretch the loop.
        ifndef ZX_DELAY_HIGH
        include "drivers/zx_delay.asm"
        endif

; Key codes by matrix index 5 * half-row + bit (half-rows A8..A15).
zx_keys_plain:
        defb 0, 'z', 'x', 'c', 'v'
        defb 'a', 's', 'd', 'f', 'g'
        defb 'q', 'w', 'e', 'r', 't'
        defb '1', '2', '3', '4', '5'
        defb '0', '9', '8', '7', '6'
        defb 'p', 'o', 'i', 'u', 'y'
        defb 13, 'l', 'k', 'j', 'h'
        defb ' ', 0, 'm', 'n', 'b'
zx_keys_caps:
        defb 0, 'Z', 'X', 'C', 'V'
        defb 'A', 'S', 'D', 'F', 'G'
        defb 'Q', 'W', 'E', 'R', 'T'
        defb 0, 0, 0, 0, 0
        defb 8, 0, 0, 0, 0
        defb 'P', 'O', 'I', 'U', 'Y'
        defb 13, 'L', 'K', 'J', 'H'
        defb 0, 0, 'M', 'N', 'B'
zx_keys_sym:
        defb 0, ':', 0x60, '?', '/'
        defb '~', '|', 0x5C, '{', '}'
        defb 0, 0, 0, '<', '>'
        defb '!', '@', '#', '$', '%'
        defb '_', ')', '(', 0x27, '&'
        defb 0x22, ';', 0, 0, 0
        defb 13, '=', '+', '-', '^'
        defb ' ', 0, '.', ',', '*'

; Driver state.
zx_row:     defb 0              ; cursor row 0-23
zx_col:     defb 0              ; cursor column 0-32 (32 = wrap pending)
zx_last:    defb 0              ; code of the key last returned while still held, 0 if none
zx_release: defb 0              ; consecutive polls with no key held (up to ZX_DEBOUNCE)
zx_repeat:  defw 0              ; ms until the next auto-repeat
zx_basic_sp: defw 0             ; BASIC's SP at zx_entry
