;; rc2014.asm - system interface of an engine that boots from an RC2014 ROM (no CP/M).
;;
;; Console: the Z80 SIO/2 channel A (drivers/sio.asm) when RC2014_SIO is defined, else the
;; MC68B50 ACIA (drivers/acia.asm); ports as in the board description. There is no command
;; line (sys_args gives B = 0). sys_exit ('!' at the prompt) restarts the board:
;; * Classic (fixed 32K ROM): jump to 0000h, the engine's own reset entry.
;; * 512K module (RC2014_PAGED): map flash page 0, the resident loader, into window 0 and jump
;;   to 0000h, as a reset does; the loader then offers its key window and boots the stored image
;;   again. The page switch runs from RAM, since it swaps the window the code runs in.
;;   An image with several models defines MENU_PAGE: '!' maps that flash page (the start-up
;;   menu, menu/menu.asm) instead, whose own '!' goes on to the loader.
;; Interface (every driver): con_init, con_in, con_out, sys_args, sys_exit. All preserve BC,
;; DE, HL, IX and IY; A and F may be clobbered.

                ifdef RC2014_SIO
                include "drivers/sio.asm"
                else
                include "drivers/acia.asm"
                endif

;; sys_args - no command line on a ROM board. Out: B = 0.
sys_args:       ld b,0
                ret

;; sys_exit - restart the board (see above). Never returns.
sys_exit:       di
                ifdef RC2014_PAGED
                ld hl,act                   ; engine RAM (window 3), unused from here on
                ifdef MENU_PAGE
                ld (hl),3Eh                 ; ld a,MENU_PAGE
                inc hl
                ld (hl),MENU_PAGE
                else
                ld (hl),0AFh                ; xor a
                endif
                inc hl
                ld (hl),0D3h                ; out (PAGE0_PORT),a
                inc hl
                ld (hl),PAGE0_PORT
                inc hl
                ld (hl),0C3h                ; jp 0000h
                inc hl
                ld (hl),0
                inc hl
                ld (hl),0
                jp act
                else
                jp 0000h
                endif
