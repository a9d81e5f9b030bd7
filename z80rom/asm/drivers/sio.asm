; Console driver: Zilog Z80 SIO/2 channel A, polled (RC2014 Dual Serial module).
; Ports (override before including): SIO_CTL = channel A control, SIO_DATA = channel A data.
; Follows the Zilog Z80 SIO Technical Manual (UM0081): WR0 pointer/commands, WR4 clock mode,
; WR3 receiver, WR5 transmitter, WR1 interrupts; RR0 bit 0 = Rx available, bit 2 = Tx empty.
; Interface shared by all console drivers: con_init, con_in, con_out, con_poll. Each preserves
; BC, DE, HL, IX, IY; A and F may be clobbered unless stated.

    ifndef SIO_CTL
SIO_CTL equ 0x80
    endif
    ifndef SIO_DATA
SIO_DATA equ 0x81
    endif

; con_init: reset channel A; async x64 clock, 8 data bits, 1 stop bit, no parity; Rx and Tx on,
; DTR and RTS asserted, no interrupts.  In: none. Out: none. Clobbers: A, F.  T-states: 124.
con_init:
    ld a,0x18           ; WR0: channel reset
    out (SIO_CTL),a
    ld a,0x04           ; WR4: x64 clock, 1 stop bit, no parity
    out (SIO_CTL),a
    ld a,0xC4
    out (SIO_CTL),a
    ld a,0x03           ; WR3: Rx 8 bits, Rx enable
    out (SIO_CTL),a
    ld a,0xC1
    out (SIO_CTL),a
    ld a,0x05           ; WR5: DTR, Tx 8 bits, Tx enable, RTS
    out (SIO_CTL),a
    ld a,0xEA
    out (SIO_CTL),a
    ld a,0x01           ; WR1: no interrupts
    out (SIO_CTL),a
    xor a
    out (SIO_CTL),a
    ret

; con_poll: take a received byte if there is one.
; In: none. Out: carry set and A = byte, or carry clear (A clobbered). Clobbers: A, F.
; T-states: 36 (none) / 58 (byte).
con_poll:
    in a,(SIO_CTL)      ; RR0
    and 0x01            ; clears carry
    ret z
    in a,(SIO_DATA)
    scf
    ret

; con_in: wait for a byte (no echo).  In: none. Out: A = byte. Clobbers: F.
; T-states: 58 + 36 per empty poll.
con_in:
    call con_poll
    jr nc,con_in
    ret

; con_out: send A, waiting for the transmitter.  In: A = byte. Out: none. Clobbers: F.
; T-states: 65 + 41 per busy poll.
con_out:
    push af
.wait:
    in a,(SIO_CTL)
    and 0x04
    jr z,.wait
    pop af
    out (SIO_DATA),a
    ret
