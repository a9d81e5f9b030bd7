;; bdos.asm - console driver for CP/M 2.2 (CP/M 2.2 System Interface Guide §6: the BIOS jump
;; vector; the word at 0001H points at its WBOOT entry, CONIN is WBOOT+6 and CONOUT is
;; WBOOT+9; the command tail is at 0080H; JP 0000H warm-boots back to the CCP).
;;
;; Keys are read with BIOS CONIN rather than a BDOS function: BDOS function 1 echoes, and
;; function 6 can neither wait nor write the byte FFh. CONIN waits and never echoes.
;;
;; Interface (every driver): con_init, con_in (wait for a byte, A = byte, no echo),
;; con_out (write A), sys_args (HL = command-line bytes, B = count, 0 = none), sys_exit.
;; All preserve BC, DE, HL, IX and IY; A and F may be clobbered.

WBOOT_PTR       equ 0001h                   ; address of the BIOS WBOOT entry
TAIL            equ 0080h                   ; command tail: length byte, then the bytes

con_init:       ret

;; con_in - BIOS CONIN: A = next key.
con_in:         push de
                ld de,6
                jr bios_call

;; con_out - BIOS CONOUT of A.
con_out:        push de
                ld de,9
                ; fall through

;; bios_call - call the BIOS entry at WBOOT+DE with C = A; the caller pushed DE.
bios_call:      push bc
                push hl
                push ix
                push iy
                ld c,a
                ld hl,(WBOOT_PTR)
                add hl,de
                call bios_jp
                pop iy
                pop ix
                pop hl
                pop bc
                pop de
                ret
bios_jp:        jp (hl)

;; sys_args - the CP/M command tail. Out: HL = first byte, B = count.
sys_args:       ld hl,TAIL
                ld b,(hl)
                inc hl
                ret

sys_exit:       jp 0000h                    ; warm boot: back to the CCP
