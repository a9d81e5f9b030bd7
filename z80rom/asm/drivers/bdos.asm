;; bdos.asm - console driver for CP/M 2.2 (CP/M 2.2 System Interface Guide §6: the BIOS jump
;; vector; the word at 0001H points at its WBOOT entry, CONIN is WBOOT+6 and CONOUT is
;; WBOOT+9; the command tail is at 0080H; JP 0000H warm-boots back to the CCP).
;;
;; Keys are read with BIOS CONIN rather than a BDOS function: BDOS function 1 echoes, and
;; function 6 can neither wait nor write the byte FFh. CONIN waits and never echoes.
;;
;; Interface (every driver): con_init, con_in (wait for a byte, A = byte, no echo),
;; con_out (write A), sys_args (HL = command-line bytes, B = count, 0 = none), sys_exit.
;; All preserve BC, DE, HL, IX and IY; A and F may be clobbered. T-state counts include the
;; routine's RET, not the caller's CALL, nor the time the BIOS takes.

WBOOT_PTR       equ 0001h                   ; address of the BIOS WBOOT entry
TAIL            equ 0080h                   ; command tail: length byte, then the bytes

;; con_init - nothing to set up: the BIOS has. In, out: none. Clobbers: nothing. T-states: 10.
con_init:       ret

;; con_in - BIOS CONIN: wait for a key. In: none. Out: A = key. Clobbers: F.
;; T-states: 205 plus CONIN.
con_in:         push de
                ld de,6
                jr bios_call

;; con_out - BIOS CONOUT of A. In: A. Out: none. Clobbers: AF. T-states: 193 plus CONOUT.
con_out:        push de
                ld de,9
                ; fall through

;; bios_call - call the BIOS entry at WBOOT+DE with C = A; the caller pushed DE, which is
;; popped here. In: A, DE = entry offset. Out: A = the BIOS's A. Clobbers: F.
;; T-states: 172 plus the BIOS entry (bios_jp: JP (HL), 4, included).
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

;; sys_args - the CP/M command tail. In: none. Out: HL = first byte, B = count. Clobbers:
;; nothing else. T-states: 33.
sys_args:       ld hl,TAIL
                ld b,(hl)
                inc hl
                ret

;; sys_exit - warm boot back to the CCP. In: none. Never returns. T-states: 10 and the boot.
sys_exit:       jp 0000h                    ; warm boot: back to the CCP
