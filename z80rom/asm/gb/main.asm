; z80lm chat for the Game Boy (DMG, MBC5): entry point and the chat loop.
;
; Bank 0 holds this code, the engine, the console driver and the page-aligned model tables;
; banks 1..N hold the weight records (generated model.asm). The header at 0x0104-0x014F is
; reserved here and written by the host's header writer (logo, title, type 0x19, sizes,
; checksums). Interrupts stay disabled (IME = 0); HALT wakes on VBlank through IE.

        cpu sm83
        include "mem.inc"

        org 0x0100
        nop
        jp start
        ds 0x4C                     ; cartridge header, filled in by the build

        org 0x0150
start:
        di
        ld sp,STACK_TOP
        xor a
        ld (MBC5_BANK_HI),a
        ld a,1
        ld (MBC5_BANK),a
        call lcd_init
        ld a,0x01                   ; VBlank wakes HALT
        ldh (IE),a
        ld hl,BANNER
        call con_str
        call newline

; The chat loop (spec 9): prompt, read a line, empty -> prompt again, '!' first -> stop,
; otherwise answer it, the bytes printed as they are generated.
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
        call respond
        call newline
        jr chat

bye:    call newline
        ld hl,BYE
        call con_str
.idle:  call wait_frame
        jr .idle

BANNER: db "z80lm chat", 0
PROMPT: db "> ", 0
BYE:    db "bye", 0

        include "ui.asm"
        include "engine.asm"
        include "model.asm"
