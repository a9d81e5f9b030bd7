;; download.asm - a CP/M 2.2 receiver for DOWNLOAD.COM packages (Grant Searle's text format),
;; written for the tests from the format alone: the emulated CP/M machine runs it as
;; `DOWNLOAD NAME.TYP` and the package's remaining text is typed at it.
;;
;; Format: anything up to `U` or `:` is skipped; `U` is followed by one hex digit, the user
;; area for the file; `:` starts the file: two hex digits per byte up to `>`, then two hex
;; digits of the byte count's low byte and two of the byte sum's low byte.
;;
;; The file named in the default FCB (005Ch) is deleted, made, and written one 128-byte record
;; at a time through the BDOS (functions 19, 22, 21, 16); the last record is padded with 1Ah.
;; Prints a dot per record, then `OK`, or an error, and on an error deletes the file. The user
;; area is set back to what it was before warm-booting. Keys come from BIOS CONIN (waits, no
;; echo; its address is WBOOT + 6, from the word at 0001h).

BDOS            equ 0005h
WBOOT_PTR       equ 0001h
FCB             equ 005Ch
BUF             equ 0080h                   ; the default DMA buffer: 0080h-00FFh

F_CONOUT        equ 2
F_PRINT         equ 9
F_CLOSE         equ 16
F_DELETE        equ 19
F_WRITE         equ 21
F_MAKE          equ 22
F_DMA           equ 26
F_USER          equ 32

                org 0100h

start:          ld sp,stack
                ld c,F_USER                 ; remember the user area
                ld e,0FFh
                call BDOS
                ld (olduser),a
                ld a,(FCB+1)                ; a file name is needed
                cp ' '
                ld de,s_noname
                jp z,fail_kept
                ld c,F_DMA
                ld de,BUF
                call BDOS

find:           call getc                   ; skip to U or :
                cp 'U'
                jp z,setuser
                cp ':'
                jr nz,find

                ld c,F_DELETE               ; a new file of that name
                ld de,FCB
                call BDOS
                xor a
                ld (FCB+12),a               ; EX
                ld (FCB+14),a               ; S2
                ld (FCB+32),a               ; CR
                ld c,F_MAKE
                ld de,FCB
                call BDOS
                inc a                       ; FFh: no directory space
                ld de,s_dirfull
                jp z,fail_kept
                ld hl,BUF
                ld (ptr),hl

bytes:          call getc
                cp '>'
                jr z,ends
                call hexbyte
                jp c,bad_hex
                ld b,a
                ld hl,sum
                add a,(hl)
                ld (hl),a
                ld hl,count
                inc (hl)
                ld hl,(ptr)
                ld (hl),b
                inc hl
                ld (ptr),hl
                ld a,l                      ; L wraps to 0 at 0100h: the record is full
                or a
                jr nz,bytes
                call put_record
                jr bytes

ends:           ld hl,(ptr)                 ; a partial record: pad it and write it
                ld a,l
                cp BUF
                jr z,close
pad:            ld (hl),1Ah
                inc hl
                ld a,l
                or a
                jr nz,pad
                call put_record
close:          ld c,F_CLOSE
                ld de,FCB
                call BDOS
                inc a
                ld de,s_close
                jr z,fail
                call getc                   ; byte count, low byte
                call hexbyte
                jr c,bad_hex
                ld hl,count
                cp (hl)
                ld de,s_len
                jr nz,fail
                call getc                   ; byte sum, low byte
                call hexbyte
                jr c,bad_hex
                ld hl,sum
                cp (hl)
                ld de,s_sum
                jr nz,fail
                ld de,s_ok
                call print
                jr done

setuser:        call getc
                call hexval
                ld de,s_hex
                jr c,fail_kept
                ld e,a
                ld c,F_USER
                call BDOS
                jp find

bad_hex:        ld de,s_hex
fail:           push de                     ; a broken file is removed
                ld c,F_DELETE
                ld de,FCB
                call BDOS
                pop de
fail_kept:      call print
done:           ld a,(olduser)
                ld e,a
                ld c,F_USER
                call BDOS
                jp 0000h

;; put_record - write the record at BUF and print a dot. Clobbers all.
put_record:     ld c,F_WRITE
                ld de,FCB
                call BDOS
                or a
                jr nz,disk_full
                ld e,'.'
                ld c,F_CONOUT
                call BDOS
                ld hl,BUF
                ld (ptr),hl
                ret
disk_full:      pop hl                      ; drop the return address
                ld de,s_full
                jr fail

;; print - CR LF, then the $-terminated text at DE. Clobbers all.
print:          push de
                ld de,s_crlf
                ld c,F_PRINT
                call BDOS
                pop de
                ld c,F_PRINT
                jp BDOS

;; getc - A = next key (BIOS CONIN, no echo). Clobbers all.
getc:           ld hl,(WBOOT_PTR)
                ld de,6
                add hl,de
                jp (hl)

;; hexbyte - A = first hex digit of a pair; reads the second. Out: A = the byte, CY set if
;; either character is not a hex digit. Clobbers all.
hexbyte:        call hexval
                ret c
                rlca
                rlca
                rlca
                rlca
                push af
                call getc
                call hexval
                pop bc                      ; B = high nibble; flags still from hexval
                ret c
                or b
                ret

;; hexval - A = a character. Out: A = its value 0-15, CY clear; CY set if it is not one of
;; 0-9, A-F, a-f. Clobbers F only.
hexval:         cp 'a'
                jr c,hv_upper
                sub 20h                     ; fold a-f to A-F
hv_upper:       sub '0'
                ret c
                cp 10
                ccf
                ret nc                      ; 0-9
                sub 7                       ; 'A' -> 10
                cp 10
                ret c                       ; between '9' and 'A'
                cp 16
                ccf
                ret

s_crlf:         db 13,10,"$"
s_ok:           db "OK$"
s_noname:       db "usage: DOWNLOAD NAME.TYP, then the package text$"
s_dirfull:      db "ERROR: directory full$"
s_full:         db "ERROR: disk full$"
s_close:        db "ERROR: cannot close the file$"
s_hex:          db "ERROR: not a hex digit$"
s_len:          db "ERROR: length does not match$"
s_sum:          db "ERROR: checksum does not match$"

olduser:        db 0
count:          db 0
sum:            db 0
ptr:            dw 0
                ds 64
stack:
