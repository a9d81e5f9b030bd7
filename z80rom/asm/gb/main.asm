; z80lm chat for the Game Boy (DMG, MBC5): entry point and the chat loop.
;
; Bank 0 holds this code, the engine, the console driver and the page-aligned model tables;
; banks 1..N hold the weight records (generated model.asm). The header at 0x0104-0x014F is
; reserved here and written by the host's header writer (logo, title, type 0x19, sizes,
; checksums). Interrupts stay disabled (IME = 0); HALT wakes on VBlank through IE.

        cpu sm83
        include "mem.inc"

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

; link_line: sends the typed line, then CR LF, out of the link port. Clobbers: all.
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
