; z80lm Game Boy console driver: LCD set-up, the transcript terminal, the joypad and the
; on-screen keyboard (Pan Docs "LCD Control", "STAT", "Joypad Input").
;
; Screen: rows 0-12 show the transcript (the BG map used as a 32-row ring, scrolled with SCY);
; rows 13-17 are the window: a status line and the keyboard (4 rows x 10 keys, one key every
; other column). VRAM is written only through vram_put (waits until STAT is in mode 0 or 1;
; mode 2 that may follow lasts 80 dots, more than vram_put needs) or while the LCD is off.

TROWS   equ 13                  ; transcript rows on screen
KB_Y    equ 104                 ; window top line (row 13)

; vram_put: (HL) = A once the PPU allows VRAM access. Clobbers: F.
; T-states: 36 + the wait (at most one mode 3, 43 M-cycles).
vram_put:
        push af
.wait:
        ldh a,(STAT)
        and 2
        jr nz,.wait
        pop af
        ld (hl),a
        ret

; lcd_init: LCD off (waiting for VBlank first), clear VRAM, load the font (tile c = glyph c,
; tile c+0x80 = inverted), clear both maps, set palette, scroll and window, LCD on.
; Clobbers: all.
lcd_init:
.vb:
        ldh a,(LY)
        cp 144
        jr c,.vb
        xor a
        ldh (LCDC),a
        ld hl,TILES
        ld bc,0x2000
.zero:
        xor a
        ld (hl+),a
        dec bc
        ld a,b
        or c
        jr nz,.zero
        ld hl,FONT
        ld de,TILES+0x20*16
        ld bc,96*8
.font:
        ld a,(hl+)
        push hl
        ld h,d
        ld l,e
        ld (hl+),a
        ld (hl-),a
        set 3,h                     ; + 0x800 = 0x80 tiles on
        cpl
        ld (hl+),a
        ld (hl),a
        pop hl
        inc de
        inc de
        dec bc
        ld a,b
        or c
        jr nz,.font
        ld hl,BG_MAP
        ld bc,0x800
.map:
        ld a,' '
        ld (hl+),a
        dec bc
        ld a,b
        or c
        jr nz,.map
        ld a,0xE4
        ldh (BGP),a
        if CGB
        ldh a,(H_SPEED)
        dec a
        call nz,cgb_colours         ; on a CGB (speed_init has run)
        endif
        xor a
        ldh (SCY),a
        ldh (SCX),a
        ld (T_ROW),a
        ld (T_COL),a
        ld (T_TOP),a
        ld (KB_ROW),a
        ld (KB_COL),a
        ld (KB_PAGE),a
        ld (PAD_PREV),a
        ld a,KB_Y
        ldh (WY),a
        ld a,7
        ldh (WX),a
        call kb_draw
        call t_restore              ; the saved transcript, or a clean save RAM
        ld a,0xF1                   ; LCD on, window 9C00 on, tiles 8000, BG 9800 on
        ldh (LCDC),a
        ret

        if CGB
; cgb_colours: in CGB mode BGP is not used: background palette 0 gets BGP 0xE4's four greys
; and the attribute maps (VRAM bank 1) are cleared, so every tile uses palette 0. Only on a
; CGB (on a DMG the VBK write does nothing and the maps would be cleared). LCD off.
; Clobbers: A, BC, HL. T-states: 82,236.
cgb_colours:
        ld a,0x80
        ldh (BCPS),a
        ld hl,CGB_GREYS
        ld b,8
.pal:
        ld a,(hl+)
        ldh (BCPD),a
        dec b
        jr nz,.pal
        ld a,1
        ldh (VBK),a
        ld hl,BG_MAP
        ld bc,0x800
.attr:
        xor a
        ld (hl+),a
        dec bc
        ld a,b
        or c
        jr nz,.attr
        ldh (VBK),a                 ; A = 0
        ret

CGB_GREYS:                          ; RGB555: white, light grey, dark grey, black
        dw 0x7FFF, 0x56B5, 0x294A, 0x0000
        endif

; ---------------------------------------------------------------------------------------------
; t_addr: HL = BG map address of the transcript cursor. In: T_ROW, T_COL. Out: HL.
; Clobbers: A, F. T-states: 124.
t_addr:
        ld a,(T_ROW)
        ld l,a
        ld h,0
        add hl,hl
        add hl,hl
        add hl,hl
        add hl,hl
        add hl,hl
        ld a,(T_COL)
        add a,l
        ld l,a
        ld a,h
        add a,high(BG_MAP)
        ld h,a
        ret

; con_out: prints A at the transcript cursor (wrapping after 20 columns). Clobbers: all.
con_out:
        ld b,a
        ld a,(T_COL)
        cp 20
        jr c,.put
        push bc
        call newline
        pop bc
.put:
        call t_addr
        ld a,b
        call t_put
        ld hl,T_COL
        inc (hl)
        jp t_sync

; con_str: prints the NUL-terminated string at HL. Clobbers: all.
con_str:
        ld a,(hl+)
        or a
        ret z
        push hl
        call con_out
        pop hl
        jr con_str

; newline: cursor to the start of the next ring row, cleared; scrolls once 13 rows are used.
; In: T_ROW, T_TOP. Out: T_ROW, T_COL (0), T_TOP, SCY. Clobbers: all. T-states: about 300
; plus 20 t_put and a t_sync (each VRAM write waits for a mode the LCD lets it write in).
newline:
        xor a
        ld (T_COL),a
        ld a,(T_ROW)
        inc a
        and 31
        ld (T_ROW),a
        call t_addr
        ld b,20
.clr:
        ld a,' '
        call t_put
        inc hl
        dec b
        jr nz,.clr
        ld a,(T_TOP)
        ld b,a
        ld a,(T_ROW)
        sub b
        and 31
        cp TROWS
        jp c,t_sync
        ld a,b
        inc a
        and 31
        ld (T_TOP),a
        add a,a
        add a,a
        add a,a
        ldh (SCY),a
        jp t_sync

; con_backspace: erases the character before the cursor (across a wrap). In: T_ROW, T_COL.
; Out: T_ROW, T_COL. Clobbers: all. T-states: about 230 plus a t_put and a t_sync.
con_backspace:
        ld a,(T_COL)
        or a
        jr nz,.back
        ld a,(T_ROW)
        dec a
        and 31
        ld (T_ROW),a
        ld a,20
.back:
        dec a
        ld (T_COL),a
        call t_addr
        ld a,' '
        call t_put
        jp t_sync

; ---------------------------------------------------------------------------------------------
; The transcript in battery-backed cartridge RAM (MBC5, 8 KiB, enabled from start on): S_MAP
; mirrors the BG map ring byte for byte, S_SUM is the 16-bit sum of S_MAP, S_CUR the cursor
; (T_ROW, T_COL, T_TOP) and S_MAGIC says the RAM holds a transcript. Every transcript write
; goes through t_put, which keeps S_SUM; a power cut between the two writes leaves a wrong
; sum, and the next start begins clean.

; t_put: (HL) = A in the BG map (vram_put), and the same in S_MAP with S_SUM kept.
; In: HL = 0x9800-0x9BFF, A. Clobbers: F. T-states: about 150 + vram_put's.
t_put:
        call vram_put
        push de
        push hl
        ld d,a                      ; new byte
        ld a,h
        add a,high(S_MAP)-high(BG_MAP)
        ld h,a
        ld e,(hl)                   ; old byte
        ld (hl),d
        ld hl,S_SUM                 ; sum += new - old
        ld a,(hl)
        add a,d
        ld (hl+),a
        jr nc,.up
        inc (hl)
.up:
        dec hl
        ld a,(hl)
        sub e
        ld (hl+),a
        jr nc,.down
        dec (hl)
.down:
        ld a,d
        pop hl
        pop de
        ret

; t_sync: S_CUR = T_ROW, T_COL, T_TOP. Clobbers: A. T-states: 112 (the call included).
t_sync:
        ld a,(T_ROW)
        ld (S_CUR),a
        ld a,(T_COL)
        ld (S_CUR+1),a
        ld a,(T_TOP)
        ld (S_CUR+2),a
        ret

; t_restore: enables the cartridge RAM; when it holds a transcript (S_MAGIC, S_SUM and a cursor
; in range), copies it to the BG map, takes its cursor and scroll, and clears the cursor's row
; from column 0 (a line being typed or printed when the power went); otherwise makes the RAM
; a blank transcript. LCD off. Clobbers: all. T-states: about 120 K.
t_restore:
        ld a,0x0A
        ld (MBC5_RAMG),a
        xor a
        ld (MBC5_RAMB),a
        ld hl,S_MAGIC
        ld de,MAGIC
        ld b,4
.magic:
        ld a,(de)
        inc de
        cp (hl)
        jr nz,t_clean
        inc hl
        dec b
        jr nz,.magic
        ld hl,S_MAP                 ; de = sum of S_MAP
        ld de,0
.sum:
        ld a,(hl+)
        add a,e
        ld e,a
        jr nc,.nc
        inc d
.nc:
        ld a,h
        cp high(S_MAP)+4
        jr nz,.sum
        ld hl,S_SUM
        ld a,(hl+)
        cp e
        jr nz,t_clean
        ld a,(hl)
        cp d
        jr nz,t_clean
        ld a,(S_CUR)
        cp 32
        jr nc,t_clean
        ld a,(S_CUR+1)
        cp 21
        jr nc,t_clean
        ld a,(S_CUR+2)
        cp 32
        jr nc,t_clean
        ld hl,S_MAP
        ld de,BG_MAP
.copy:
        ld a,(hl+)
        ld (de),a
        inc de
        ld a,h
        cp high(S_MAP)+4
        jr nz,.copy
        ld a,(S_CUR)
        ld (T_ROW),a
        ld a,(S_CUR+2)
        ld (T_TOP),a
        add a,a
        add a,a
        add a,a
        ldh (SCY),a
        xor a
        ld (T_COL),a
        call t_addr
        ld b,20
.clr:
        ld a,' '
        call t_put
        inc hl
        dec b
        jr nz,.clr
        jp t_sync

; t_clean: the cartridge RAM becomes a blank transcript (S_MAP all spaces, as the BG map) with
; the cursor at the top. Clobbers: all.
t_clean:
        ld hl,S_MAGIC
        xor a
        ld (hl),a                   ; no transcript while it is written
        ld hl,S_MAP
.fill:
        ld a,' '
        ld (hl+),a
        ld a,h
        cp high(S_MAP)+4
        jr nz,.fill
        ld hl,S_SUM
        xor a
        ld (hl+),a
        ld (hl),0x80                ; 1024 x 0x20
        call t_sync
        ld hl,S_MAGIC
        ld de,MAGIC
        ld b,4
.mg:
        ld a,(de)
        inc de
        ld (hl+),a
        dec b
        jr nz,.mg
        ret

MAGIC:  db "ZLM1"

; ---------------------------------------------------------------------------------------------
; wait_frame: sleeps until the next VBlank (IE = VBlank, IME = 0: HALT only wakes up).
; In, out: none. Clobbers: A. T-states: up to one frame (70,224; 140,448 in double speed).
wait_frame:
        xor a
        ldh (IF),a
        halt
        nop
        ret

; read_pad: A = keys held: bit 7 Down, 6 Up, 5 Left, 4 Right, 3 Start, 2 Select, 1 B, 0 A.
; In: none. Out: A. Clobbers: B, F. T-states: 196.
read_pad:
        ld a,0x20                   ; P14 low: the D-pad
        ldh (P1),a
        ldh a,(P1)
        ldh a,(P1)
        cpl
        and 0x0F
        swap a
        ld b,a
        ld a,0x10                   ; P15 low: the buttons
        ldh (P1),a
        ldh a,(P1)
        ldh a,(P1)
        ldh a,(P1)
        ldh a,(P1)
        cpl
        and 0x0F
        or b
        ld b,a
        ld a,0x30
        ldh (P1),a
        ld a,b
        ret

; ---------------------------------------------------------------------------------------------
; The on-screen keyboard: 3 pages of 4 rows x 10 keys (README "On-screen keyboard").
KEYS:
        db "abcdefghij", "klmnopqrst", "uvwxyz .?!", "0123456789"
        db "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ .?!", "0123456789"
        db "\"#$%&'()*+", ",-/:;<=>@[", "\\]^_`{|}~ ", "0123456789"
PAGE_NAMES:
        db "abc", "ABC", "#+-"

; kb_char: A = the character under the keyboard cursor. In: KB_PAGE, KB_ROW, KB_COL. Out: A.
; Clobbers: DE, HL, F. T-states: 168.
kb_char:
        ld a,(KB_PAGE)              ; index = page*40 + row*10 + col
        ld e,a
        add a,a
        add a,a
        add a,e                     ; page*5
        add a,a
        add a,a
        add a,a                     ; page*40
        ld e,a
        ld a,(KB_ROW)
        ld d,a
        add a,a
        add a,a
        add a,d
        add a,a                     ; row*10
        add a,e
        ld e,a
        ld a,(KB_COL)
        add a,e
        ld e,a
        ld d,0
        ld hl,KEYS
        add hl,de
        ld a,(hl)
        ret

; kb_key: redraws the key under the cursor; inverted when A = 0x80, normal when A = 0.
; In: A, KB_PAGE, KB_ROW, KB_COL. Clobbers: all. T-states: about 340 plus a vram_put.
kb_key:
        ld c,a
        call kb_char
        cp ' '
        jr nz,.glyph
        ld a,0x7F                   ; the space key's own glyph
.glyph:
        or c
        ld b,a
        ld a,(KB_ROW)               ; WIN_MAP + (row+1)*32 + col*2
        inc a
        swap a
        add a,a                     ; (row+1)*32, row+1 <= 4 fits
        ld l,a
        ld a,(KB_COL)
        add a,a
        add a,l
        ld l,a
        ld h,high(WIN_MAP)
        ld a,b
        jp vram_put

; kb_draw: draws the status line and every key of the current page, the cursor inverted.
; In: KB_PAGE, KB_ROW, KB_COL. Clobbers: all. T-states: about 15,000 (the status line and 40
; kb_key) plus the VRAM waits of its writes.
kb_draw:
        ld hl,WIN_MAP               ; status: page name, then help
        ld a,(KB_PAGE)
        ld e,a
        add a,a
        add a,e
        ld e,a
        ld d,0
        push hl
        ld hl,PAGE_NAMES
        add hl,de
        ld d,h
        ld e,l
        pop hl
        ld b,3
.name:
        ld a,(de)
        inc de
        or 0x80
        call vram_put
        inc hl
        dec b
        jr nz,.name
        ld de,KB_HELP
.help:
        ld a,(de)
        inc de
        or a
        jr z,.keys
        call vram_put
        inc hl
        jr .help
.keys:
        ld a,(KB_ROW)               ; draw all 40 keys by walking the cursor over them
        push af
        ld a,(KB_COL)
        push af
        xor a
        ld (KB_ROW),a
.row:
        xor a
        ld (KB_COL),a
.col:
        xor a
        call kb_key
        ld hl,KB_COL
        inc (hl)
        ld a,(hl)
        cp 10
        jr nz,.col
        ld hl,KB_ROW
        inc (hl)
        ld a,(hl)
        cp 4
        jr nz,.row
        pop af
        ld (KB_COL),a
        pop af
        ld (KB_ROW),a
        ld a,0x80
        jp kb_key
KB_HELP:
        db " A=key B=del S=go", 0

; kb_move: moves the cursor (A = pad bits 4-7 of one direction), wrapping. In: A, KB_ROW,
; KB_COL. Out: KB_ROW, KB_COL. Clobbers: all. T-states: about 800 plus two kb_key.
kb_move:
        push af
        xor a
        call kb_key                 ; old key back to normal
        pop af
        ld hl,KB_COL
        bit 4,a
        jr z,.left
        ld a,(hl)                   ; right
        inc a
        cp 10
        jr c,.sc
        xor a
.sc:
        ld (hl),a
        jr .done
.left:
        bit 5,a
        jr z,.up
        ld a,(hl)                   ; left
        or a
        jr nz,.dl
        ld a,10
.dl:
        dec a
        ld (hl),a
        jr .done
.up:
        ld hl,KB_ROW
        bit 6,a
        jr z,.down
        ld a,(hl)                   ; up
        or a
        jr nz,.du
        ld a,4
.du:
        dec a
        ld (hl),a
        jr .done
.down:
        ld a,(hl)                   ; down
        inc a
        and 3
        ld (hl),a
.done:
        ld a,0x80
        jp kb_key

; read_line: edits a line with the keyboard until Start. Keys beyond MAX_QUERY are ignored
; (spec 9: only the first 62 bytes count). Out: LINE, LINE_LEN. Clobbers: all.
read_line:
        xor a
        ld (LINE_LEN),a
.loop:
        call wait_frame
        call read_pad
        ld b,a
        ld a,(PAD_PREV)
        cpl
        and b
        ld c,a                      ; c = keys pressed since the last poll
        ld a,b
        ld (PAD_PREV),a
        ld a,c
        and 0xF0
        jr z,.key_a
        ld b,0x10                   ; one direction per poll: the lowest bit
.dir:
        ld a,c
        and b
        jr nz,.move
        sla b
        jr .dir
.move:
        push bc
        call kb_move
        pop bc
.key_a:
        bit 0,c
        jr z,.key_b
        ld a,(LINE_LEN)
        cp MAX_QUERY
        jr nc,.key_b
        push bc
        call kb_char
        ld b,a
        ld a,(LINE_LEN)
        ld e,a
        inc a
        ld (LINE_LEN),a
        ld d,0
        ld hl,LINE
        add hl,de
        ld (hl),b
        ld a,b
        call con_out
        pop bc
.key_b:
        bit 1,c
        jr z,.sel
        ld a,(LINE_LEN)
        or a
        jr z,.sel
        dec a
        ld (LINE_LEN),a
        push bc
        call con_backspace
        pop bc
.sel:
        bit 2,c
        jr z,.start
        ld a,(KB_PAGE)
        inc a
        cp 3
        jr c,.pg
        xor a
.pg:
        ld (KB_PAGE),a
        push bc
        call kb_draw
        pop bc
.start:
        bit 3,c
        jr z,.loop
        ret
