;; msx.asm - console driver of an engine in an MSX megaROM cartridge (no DOS, no BASIC): keys
;; through the BIOS's CHGET, text through CHPUT, the screen in text mode by INITXT (MSX
;; Technical Data Book; "MSX2 Technical Handbook" ch. 5, BIOS entries). 40 columns on an MSX1;
;; 80 when the main ROM says MSX2 or later (MSXVER at 002Dh > 0), where the VDP has them.
;;
;; The BIOS is in page 0 (0000h-3FFFh) whatever slot the cartridge is in, so its entries are
;; called directly. Its keyboard scan runs in the VDP interrupt (IM 1, 0038h): con_init turns
;; interrupts on; the engine core turns them off only while a kernel walks data with SP.
;; The key click is switched off (CLIKSW).
;;
;; Interface (every driver): con_init, con_in (wait for a byte, A = byte, no echo), con_out
;; (write A), sys_args (HL = command-line bytes, B = count, 0 = none), sys_exit. All preserve
;; BC, DE, HL, IX and IY; A and F may be clobbered (the BIOS routines may clobber more, so
;; each call saves them).

CHGET           equ 009Fh                   ; wait for a key, A = its code
CHPUT           equ 00A2h                   ; print A (CR, LF, BS are controls)
INITXT          equ 006Ch                   ; text mode (SCREEN 0), LINL40 columns, cleared
MSXVER          equ 002Dh                   ; 0 = MSX1, 1 = MSX2, ...
LINL40          equ 0F3AEh                  ; width of SCREEN 0
CLIKSW          equ 0F3DBh                  ; key click: 0 = off

;; con_init - text mode, 40 columns (80 on MSX2 and later), no key click, interrupts on.
;; Clobbers: AF. T: INITXT clears 960 (or 1920) cells of VRAM: ~100 K; once.
con_init:       push bc
                push de
                push hl
                push ix
                push iy
                ld a,(MSXVER)
                or a
                ld a,40
                jr z,ci_width
                ld a,80
ci_width:       ld (LINL40),a
                xor a
                ld (CLIKSW),a
                call INITXT
                pop iy
                pop ix
                pop hl
                pop de
                pop bc
                ei
                ret

;; con_in - CHGET: A = the next key (waits; shows the cursor). Clobbers: AF.
;; T: 22 + CHGET + 84 (the saves).
con_in:         push bc
                push de
                push hl
                push ix
                push iy
                call CHGET
                jr bios_done

;; con_out - CHPUT of A. Clobbers: AF. T: 22 + CHPUT + 84.
con_out:        push bc
                push de
                push hl
                push ix
                push iy
                call CHPUT
bios_done:      pop iy
                pop ix
                pop hl
                pop de
                pop bc
                ret

;; sys_args - no command line in a cartridge. Out: B = 0. T: 17.
sys_args:       ld b,0
                ret

;; sys_exit - '!' at the prompt: start the chat again (clear screen, new prompt). Never returns.
sys_exit:       di
                jp start
