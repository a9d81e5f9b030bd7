;; menu.asm - the start-up menu of an RC2014 512K image that holds several models.
;;
;; Flash page 1 holds this menu (the loader boots it as it boots a one-model image: window 0 =
;; flash page 1, jp 0000h); each model's engine has its own fixed flash page (and its weights in
;; the pages after it) and is built with MENU_PAGE = 1, so its '!' (and ^C) comes back here
;; instead of to the loader. The menu prints the listing the host wrote (number, name, size,
;; speed), reads a line and
;; * a number 1..MENU_MODELS: maps that model's fixed page into window 0 and jumps to 0000h,
;;   which is the engine's reset entry (as the loader boots a one-model image);
;; * '!': maps flash page 0, the resident loader, and jumps to 0000h as a reset does (its key
;;   window, then XMODEM or Intel HEX uploads, or the stored image again).
;; The page switch runs from RAM (window 3, RAM page 63), since it swaps the window the code
;; runs in.
;;
;; Needs from the generated top file: con_in, con_out (drivers/sio.asm or acia.asm),
;; PAGE0_PORT, PAGE3_PORT, RAM_TOP_PAGE, MENU_MODELS (1-99), menu_text (the listing,
;; zero-terminated), menu_prompt (zero-terminated) and menu_pages (MENU_MODELS bytes: each
;; model's fixed flash page).

MENU_GO         equ 0C000h                  ; the page-switch stub (RAM page 63, window 3)
menu_wascr      equ 0C008h                  ; 1 when the last key ended a line with CR
menu_len        equ 0C009h                  ; bytes typed
menu_line       equ 0C00Ah                  ; the typed bytes
MENU_MAX        equ 3                       ; bytes of a line that are kept

menu_start:     ld a,RAM_TOP_PAGE           ; the loader leaves RAM page 63 in window 3;
                out (PAGE3_PORT),a          ; an engine's '!' too: say so again
                ld sp,0                     ; stack at the top of RAM page 63
                ; No con_init: the loader has set the UART up (the menu only ever runs after
                ; it), and resetting the channel while the loader's "booting" CR LF is still
                ; in the transmitter garbles it (seen on MAME's SIO).
                ld a,1                      ; an LF left over from the CR LF that ended the
                ld (menu_wascr),a           ; line before ('!' in a chat) is no empty line
                ld hl,menu_text
                call menu_puts
menu_ask:       ld hl,menu_prompt
                call menu_puts
                call menu_read
                ld a,(menu_len)
                or a
                jr z,menu_ask
                ld b,a
                ld hl,menu_line
                ld a,(hl)
                cp '!'
                jr nz,menu_number
                djnz menu_bad               ; '!' and more is no choice
                xor a                       ; flash page 0: the loader
                jr menu_go
menu_number:    ld c,0                      ; C = the number so far (a number over 255
menu_digit:     ld a,(hl)                   ; is refused, as is one over MENU_MODELS)
                sub '0'
                cp 10
                jr nc,menu_bad
                ld d,a
                ld a,c
                cp 26                       ; 26*10 overflows a byte: no model has that number
                jr nc,menu_bad
                add a,a
                ld e,a
                add a,a
                add a,a
                add a,e                     ; A = 10 C
                add a,d
                jr c,menu_bad
                ld c,a
                inc hl
                djnz menu_digit
                ld a,c
                or a
                jr z,menu_bad
                cp MENU_MODELS+1
                jr nc,menu_bad
                ld e,a
                ld d,0
                ld hl,menu_pages-1
                add hl,de
                ld a,(hl)                   ; A = the model's fixed flash page
menu_go:        ld hl,MENU_GO               ; out (PAGE0_PORT),a / jp 0000h, in RAM
                ld (hl),0D3h
                inc hl
                ld (hl),PAGE0_PORT
                inc hl
                ld (hl),0C3h
                inc hl
                ld (hl),0
                inc hl
                ld (hl),0
                jp MENU_GO
menu_bad:       ld hl,menu_what
                call menu_puts
                jr menu_ask

menu_what:      db "?",13,10,0

;; menu_puts - print the zero-terminated string at HL. In: HL. Out: HL past the 0.
;; Clobbers: AF. T-states: 28 plus 51 and a con_out per byte.
menu_puts:      ld a,(hl)
                inc hl
                or a
                ret z
                call con_out
                jr menu_puts

;; menu_read - read one line into menu_line/menu_len with echo: CR or LF ends it (an LF right
;; after a CR-ended line is skipped), BS and DEL erase a byte, other control bytes and bytes
;; past MENU_MAX are dropped; the line's end is echoed as CR LF.
;; In: none. Out: menu_line, menu_len, menu_wascr. Clobbers: AF, BC, HL.
;; T-states: waits for keys; about 150 per key plus its con_in and con_out.
menu_read:      xor a
                ld (menu_len),a
menu_key:       call con_in
                ld b,a
                ld a,(menu_wascr)
                ld c,a
                xor a
                ld (menu_wascr),a
                ld a,b
                cp 13
                jr z,menu_cr
                cp 10
                jr nz,menu_notlf
                dec c                       ; LF after CR: skip it
                jr z,menu_key
                jr menu_end
menu_cr:        ld a,1
                ld (menu_wascr),a
menu_end:       ld a,13
                call con_out
                ld a,10
                jp con_out
menu_notlf:     cp 8
                jr z,menu_erase
                cp 127
                jr z,menu_erase
                cp ' '
                jr c,menu_key               ; other control bytes
                ld c,a
                ld a,(menu_len)
                cp MENU_MAX
                jr nc,menu_key              ; full: dropped, not echoed
                ld hl,menu_line
                add a,l
                ld l,a                      ; menu_line is in one 256-byte page
                ld (hl),c
                ld hl,menu_len
                inc (hl)
                ld a,c
                call con_out
                jr menu_key
menu_erase:     ld a,(menu_len)
                or a
                jr z,menu_key
                dec a
                ld (menu_len),a
                ld a,8                      ; BS, space, BS
                call con_out
                ld a,' '
                call con_out
                ld a,8
                call con_out
                jr menu_key
