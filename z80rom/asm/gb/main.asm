; z80lm chat for the Game Boy (DMG, MBC5): entry point and the chat loop.
;
; Bank 0 holds this code, the engine, the console driver and the page-aligned model tables;
; banks 1..N hold the weight records (generated model.asm). The header at 0x0104-0x014F is
; reserved here and written by the host's header writer (logo, title, type 0x1B, sizes,
; checksums). Interrupts stay disabled (IME = 0); HALT wakes on VBlank through IE. The CGB
; build (model.asm's CGB = 1, header 0x143 = 0x80) runs in double speed on a Game Boy Color
; and says the speed after the banner.

        cpu sm83
        include "mem.inc"
        include "build.inc"         ; generated: CGB, MODELS

        org RST_JP_HL
; rst RST_JP_HL: jumps to HL, so that `rst RST_JP_HL` calls HL (16 + 4 T-states).
        jp hl

        org 0x0100
        nop
        jp start
        ds 0x4C                     ; cartridge header, filled in by the build

        org 0x0150
start:
        di
        ld sp,STACK_TOP
        call speed_init             ; A as the boot ROM left it
        xor a
        ld (MBC5_BANK_HI),a
        ld a,1
        ld (MBC5_BANK),a
        call lcd_init
        ld a,0x01                   ; VBlank wakes HALT
        ldh (IE),a
        if MODELS > 1
        ld a,(S_MODEL)              ; the menu's mark starts on the last model used
        cp MODELS
        jr c,.sel
        xor a
.sel:   ld (M_SEL),a
        jp menu                     ; menu.asm: choose a model, then its chat
        endif
        ld hl,BANNER
        call con_str
        if CGB
        ld hl,MHZ_4
        ldh a,(H_SPEED)
        dec a
        jr z,.mhz
        ld hl,MHZ_8
.mhz:   call con_str
        endif
        call newline

; The chat loop (spec 9): prompt, read a line, empty -> prompt again, '!' first -> stop,
; otherwise answer it, the bytes printed as they are generated. With several models (MODELS >
; 1) '!' goes back to the start menu and `respond` is the chosen model's, at 0x4000 in its
; banks (menu.asm).
chat:
        ld hl,PROMPT
        call con_str
        call read_line
        ld a,(LINE_LEN)
        or a
        jr nz,.go
        call newline
        jr chat
.go:    ld a,(LINE)
        cp '!'
        jr z,bye
        call newline
        call link_line
        call respond
        call newline
        call link_crlf
        jr chat

; resp_out: a response byte goes to the screen and out of the link port. Clobbers: all.
resp_out:
        push af
        call con_out
        pop af
        jp link_out

; link_line: sends the typed line, then CR LF, out of the link port. link_crlf: CR LF only.
; In: LINE, LINE_LEN. Clobbers: all. T-states: about 4,150 per byte (link_out waits for the
; 8192 Hz link clock), so about 8,300 for link_crlf.
link_line:
        ld hl,LINE
        ld a,(LINE_LEN)
        ld c,a
.next:  ld a,(hl+)
        call link_out
        dec c
        jr nz,.next
link_crlf:
        ld a,13
        call link_out
        ld a,10
        ; fall through

; link_out: sends A over the link port with the internal clock (8192 Hz: 4096 T-states) and
; waits for the transfer to end; with no cable attached it completes all the same.
; Clobbers: A. (Pan Docs "Serial Data Transfer")
link_out:
        ldh (SB),a
        ld a,0x81
        ldh (SC),a
.wait:  ldh a,(SC)
        bit 7,a
        jr nz,.wait
        ret

; speed_init: H_SPEED = 1; in a CGB build (CGB = 1) on a CGB (A = 0x11 from its boot ROM),
; switches to double speed first (KEY1 bit 0, then STOP with the joypad lines deselected and
; no interrupt enabled; Pan Docs "CGB Registers") and sets H_SPEED = 2.
; In: A as the boot ROM left it. Clobbers: A. T-states: 36 (DMG build), 52 on a DMG, 8,320
; on a CGB (the call not included).
speed_init:
        if CGB
        cp 0x11
        ld a,1
        jr nz,.done
        xor a
        ldh (IE),a
        ld a,0x30
        ldh (P1),a
        ld a,1
        ldh (KEY1),a
        stop                        ; 0x10 0x00: the switch (2050 M-cycles)
        ld a,2
        else
        ld a,1
        endif
.done:
        ldh (H_SPEED),a
        ret

bye:    call newline
        if MODELS > 1
        jp menu                     ; '!' goes back to the menu
        endif
        ld hl,BYE
        call con_str
.idle:  call wait_frame
        jr .idle

BANNER: db "z80lm chat", 0
        if CGB
MHZ_4:  db " 4 MHz", 0
MHZ_8:  db " CGB 8 MHz", 0
        endif
PROMPT: db "> ", 0
BYE:    db "bye", 0

        include "ui.asm"
        include "engine.asm"
        if MODELS > 1
        include "menu.asm"
        endif
        include "model.asm"
