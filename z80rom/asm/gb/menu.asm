; z80lm Game Boy: the start menu of a cartridge with several models (MODELS > 1; main.asm
; includes this file only then).
;
; Each model's banks hold, at 0x4000 and the same in every one of them, its `respond` (the
; engine's respond_body with the model's tables), finish_layers, charset, column tables and
; biases; its column code follows (generated model.asm). Choosing a model maps its first bank
; (MBC5 bank number and bit 8; a model never straddles bank 256, so acc_list's one-byte bank
; writes stay among its banks) and the chat calls `respond` at 0x4000 as the one-model
; cartridge calls its own: the engine runs the same instructions, step for step.
;
; Screen: the window covers the whole screen (WY = 0) while the menu is up: a title, a
; reminder of the keys, a column header and one row per model (MENU_TEXT: 20 characters, the
; name and the speed), the chosen row marked with '>'. Up/Down move the mark (wrapping), A
; chooses. MENU_ROWS rows show models M_TOP on; a mark moved past them scrolls the list (the
; rows are drawn again). A line starting with '!' in the chat comes back here (main.asm).
;
; Needs from the generated model.asm: MENU_TEXT (20 bytes per model), MENU_BANK (low byte,
; bit 8 of each model's first bank).
;
; The saved transcript belongs to one model: S_MODEL (cartridge RAM) says which. Choosing
; another model clears it (t_wipe) before the chat starts; choosing the same one keeps it.

MENU_ROW0 equ 3                 ; window row of the first model
MENU_ROWS equ 14                ; model rows on the screen (window rows 3-16)

; menu: shows the menu, waits for a choice, maps the model and starts its chat. In: M_SEL (the
; mark starts there). Clobbers: all. T-states: frames until A is pressed (one poll per frame),
; then about 60,000 to redraw the keyboard, plus t_wipe's when the model changed. Does not
; return: it jumps to `chat`.
menu:
        ld a,MODELS
        ld (M_COUNT),a
        ld a,(M_SEL)                ; the first row shown: 0, or the mark on the last row
        sub MENU_ROWS-1
        jr nc,.top
        xor a
.top:   ld (M_TOP),a
        call wait_frame
        xor a
        ldh (WY),a                  ; the window over the whole screen
        call menu_draw
.loop:
        call wait_frame
        call read_pad
        ld b,a
        ld a,(PAD_PREV)
        cpl
        and b
        ld c,a                      ; keys pressed since the last poll
        ld a,b
        ld (PAD_PREV),a
        bit 0,c
        jr nz,.choose
        ld a,c
        and 0xC0                    ; Up (bit 6) or Down (bit 7)
        jr z,.loop
        push af
        ld a,' '
        call menu_mark
        pop af
        ld hl,M_SEL
        bit 6,a
        jr z,.down
        ld a,(hl)                   ; up, wrapping to the last model
        or a
        jr nz,.dec
        ld a,MODELS
.dec:   dec a
        jr .put
.down:  ld a,(hl)                   ; down, wrapping to the first
        inc a
        cp MODELS
        jr c,.put
        xor a
.put:   ld (hl),a
        ld hl,M_TOP                 ; still on the screen: only the mark moves
        sub (hl)
        jr c,.above
        cp MENU_ROWS
        jr nc,.below
        ld a,'>'
        call menu_mark
        jr .loop
.above: ld a,(M_SEL)                ; above the first row shown: it becomes the first
        jr .scroll
.below: ld a,(M_SEL)                ; below the last: it becomes the last
        sub MENU_ROWS-1
.scroll:
        ld (M_TOP),a
        call menu_draw
        jr .loop
.choose:
        ld a,(M_SEL)                ; map the model's first bank
        ld l,a
        ld h,0
        add hl,hl
        ld de,MENU_BANK
        add hl,de
        ld a,(hl+)
        ld (MBC5_BANK),a
        ld a,(hl)
        ld (MBC5_BANK_HI),a
        call wait_frame
        ld a,KB_Y
        ldh (WY),a                  ; the window back to the keyboard rows
        ld b,5
        call win_clear
        call kb_draw
        ld a,(M_SEL)                ; the transcript: another model's is cleared
        ld hl,S_MODEL
        cp (hl)
        jr z,.same
        push af
        call t_wipe
        pop af
        ld (S_MODEL),a
.same:
        ld hl,BANNER
        call con_str
        ld hl,MENU_SEP
        call con_str
        ld a,(M_SEL)                ; the model's name: MENU_TEXT row from column 2, to the
        call menu_text              ; first double space
        inc hl
        inc hl
        ld b,11
.name:  ld a,(hl+)
        cp ' '
        jr nz,.ch
        ld a,(hl)
        cp ' '
        jr z,.named
        ld a,' '
.ch:    push hl
        push bc
        call con_out
        pop bc
        pop hl
        dec b
        jr nz,.name
.named:
        if CGB
        ld hl,MHZ_4
        ldh a,(H_SPEED)
        dec a
        jr z,.mhz
        ld hl,MHZ_8
.mhz:   call con_str
        endif
        call newline
        jp chat

MENU_SEP: db ": ", 0

; menu_text: HL = MENU_TEXT + 20 A, model A's row. In: A. Out: HL. Clobbers: DE, F.
; T-states: 84.
menu_text:
        ld l,a
        ld h,0
        ld d,h
        ld e,l
        add hl,hl
        add hl,hl
        add hl,de
        add hl,hl
        add hl,hl                   ; 20 A
        ld de,MENU_TEXT
        add hl,de
        ret

; menu_draw: the whole menu into the window map (rows 0-17): title, keys, header, the rows of
; models M_TOP on (at most MENU_ROWS), the mark at M_SEL. In: M_SEL, M_TOP. Clobbers: all.
; T-states: about 25,000 (360 vram_put) plus the VRAM waits of its writes.
menu_draw:
        ld b,18
        call win_clear
        ld hl,WIN_MAP
        ld de,MENU_HEAD
        ld b,3*20                   ; three rows of text, 20 characters each
        ld c,0
.head:  ld a,(de)
        inc de
        call vram_put
        inc hl
        inc c
        ld a,c
        cp 20
        jr nz,.hnext
        ld c,0
        push de
        ld de,12
        add hl,de
        pop de
.hnext: dec b
        jr nz,.head
        ld a,(M_TOP)
        call menu_text
        ld d,h
        ld e,l
        ld a,(M_TOP)                ; c = rows to draw: MODELS - M_TOP, at most MENU_ROWS
        ld b,a
        ld a,MODELS
        sub b
        cp MENU_ROWS
        jr c,.n
        ld a,MENU_ROWS
.n:     ld c,a
        ld hl,WIN_MAP+MENU_ROW0*32
.row:   ld b,20
.col:   ld a,(de)
        inc de
        call vram_put
        inc hl
        dec b
        jr nz,.col
        push de
        ld de,12
        add hl,de
        pop de
        dec c
        jr nz,.row
        ld a,'>'
        ; fall through

; menu_mark: A at column 0 of model M_SEL's row (the mark '>' or a space; M_SEL is on the
; screen). In: A, M_SEL, M_TOP. Clobbers: A, B, DE, HL, F. T-states: about 110 + 40 per row
; above it + a vram_put.
menu_mark:
        ld b,a
        ld a,(M_TOP)
        ld e,a
        ld a,(M_SEL)
        sub e
        ld hl,WIN_MAP+MENU_ROW0*32
        ld de,32
        inc a
.down:  dec a
        jr z,.put
        add hl,de
        jr .down
.put:   ld a,b
        jp vram_put

; win_clear: window map rows 0 to B-1, columns 0-19, become spaces. In: B (1-18).
; Clobbers: A, B, C, DE, HL. T-states: about 60 per character (vram_put) + 40 per row.
win_clear:
        ld hl,WIN_MAP
        ld de,12
.row:   ld c,20
.col:   ld a,' '
        call vram_put
        inc hl
        dec c
        jr nz,.col
        add hl,de
        dec b
        jr nz,.row
        ret

MENU_HEAD:
        db "z80lm: pick a model "
        db "Up/Down, A; ! = back"
        db "  model   DMG s/char"       ; at 4.19 MHz: half on a CGB in double speed

; t_wipe: a clean transcript on the screen and in the cartridge RAM (the BG map all spaces,
; the cursor and scroll at the top, t_clean), for another model's chat. The LCD is off while
; the map is cleared (from VBlank on). Clobbers: all. T-states: up to a frame's wait for
; VBlank (70,224), then about 45,000 (the 1 KiB map, t_clean's 1 KiB S_MAP).
t_wipe:
.vb:    ldh a,(LY)
        cp 144
        jr c,.vb
        xor a
        ldh (LCDC),a
        ld hl,BG_MAP
        ld bc,0x400
.map:   ld a,' '
        ld (hl+),a
        dec bc
        ld a,b
        or c
        jr nz,.map
        xor a
        ldh (SCY),a
        ld (T_ROW),a
        ld (T_COL),a
        ld (T_TOP),a
        call t_clean
        ld a,0xF1                   ; LCD on as lcd_init leaves it
        ldh (LCDC),a
        ret
