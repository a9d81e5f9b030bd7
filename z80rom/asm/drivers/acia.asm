; Console driver: Motorola MC68B50 ACIA, polled (RC2014 Serial I/O module).
; Ports (override before including): ACIA_CTL = control/status, ACIA_DATA = data.
; Follows the MC6850 data sheet: control CR1:CR0 = 11 master reset, 10 = clock/64; CR4-CR2 =
; 101 = 8 data bits, no parity, 1 stop bit; CR6:CR5 = 00 = RTS low, Tx interrupt off; CR7 = 0 =
; Rx interrupt off. Status bit 0 = RDRF (byte received), bit 1 = TDRE (transmitter empty).
; Interface shared by all console drivers: con_init, con_in, con_out, con_poll. Each preserves
; BC, DE, HL, IX, IY; A and F may be clobbered unless stated.

    ifndef ACIA_CTL
ACIA_CTL equ 0x80
    endif
    ifndef ACIA_DATA
ACIA_DATA equ 0x81
    endif

; con_init: master reset, then 8N1 at clock/64 with interrupts off.
; In: none. Out: none. Clobbers: A, F.  T-states: 40.
con_init:
    ld a,0x03
    out (ACIA_CTL),a
    ld a,0x16
    out (ACIA_CTL),a
    ret

; con_poll: take a received byte if there is one.
; In: none. Out: carry set and A = byte, or carry clear (A clobbered). Clobbers: A, F.
; T-states: 36 (none) / 58 (byte).
con_poll:
    in a,(ACIA_CTL)
    and 0x01            ; clears carry
    ret z
    in a,(ACIA_DATA)
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
    in a,(ACIA_CTL)
    and 0x02
    jr z,.wait
    pop af
    out (ACIA_DATA),a
    ret
