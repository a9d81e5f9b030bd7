; z80lm resident loader for the RC2014 512K ROM + 512K RAM module (SST39SF040 flash).
;
; Lives in flash page 0 (sectors 0-3), which it erases only as the last step of a restore
; (below). At reset paging is off and window 0 shows flash page 0, so the CPU always starts
; here. The loader
;   1. turns paging on (window 0 = flash 0, 1 = flash 1, 2 = RAM 62, 3 = RAM 63), copies itself
;      to RAM 63 at 0xC000 and runs from there;
;   2. prints a banner; if a valid image is stored it offers a key window, then checks the stored
;      image's CRC-32 and boots it (window 0 = flash 1, window 1 = flash 2, jp 0x0000);
;   3. otherwise (or on a key) receives an upload with XMODEM (CRC-16, 128 or 1K blocks), or the
;      image as Intel HEX (below), into RAM pages 32-61, checks its CRC-32, erases the header sector, programs the image sector by
;      sector into flash pages 1-30 (skipping sectors that already match, verifying each; only
;      the image's bytes, so the rest of its last sector stays erased as on a chip programmer), checks
;      CRC-32 over the flash, and only then writes the header. A power cut at any point leaves a
;      missing or mismatching header, so the loader stays in charge.
;
; Restore (header flag bit 0, length 524288: `z80lm flash --restore`): a whole 512K ROM image
; (RomWBW, SCM, anything) over the whole flash, page 0 included. Pass 1: the upload is received
; as usual, its first page (the new page 0) into RAM 32 where, once complete, it is folded into
; the CRC-32 and its own CRC-32 kept; flash pages 1-31 then land in RAM 32-62 (RAM 63 is this
; code). Only when the whole image matches the header's CRC-32 does anything get erased: the
; header sector first, then flash pages 1-31 sector by sector, verified, and their CRC-32
; checked against the header's. Pass 2: the loader asks for page 0 again (16384 bytes, plain
; XMODEM), keeps it in RAM 32, checks it against pass 1's page-0 CRC-32, and only then erases
; and programs page 0 (this code runs in RAM), verifies it, prints the flash CRC-32 and resets
; into the new firmware (paging off, jp 0). A failure before page 0 is erased leaves this loader
; in page 0 (no valid header: it waits for an image). A power cut while page 0 is written
; leaves a board that needs a chip programmer.
;
; Upload = 16-byte header + image. Header: "Z8LM", length (u32 LE), CRC-32 of the image (u32 LE,
; IEEE 802.3 reflected, as zlib), version (u16 LE = 1), flags (u16: 0, or 1 for a restore). The header is stored at
; flash 0x7F000 (page 31, offset 0x3000).
;
; Intel HEX: instead of starting XMODEM the sender may send the `.hex` that `z80lm build` writes
; for the whole flash (e.g. a terminal's plain "send file"): records of type 00 (data), 01 (end of
; file) and 04 (extended linear address; 02, 03 and 05 are read and ignored), each line checked
; by its checksum. Addresses are flash offsets: 0x4000 up go to the image buffer, the 16 bytes at
; 0x7F000 are the header, the loader's own page (below 0x4000) is skipped. Bytes no record
; names are 0xFF, as erased flash. The header and the CRC-32 are then checked as for XMODEM.
;
; Flash commands follow the SST39SF040 data sheet, Table 4: 5555h/2AAAh on A14-A0. With window 0 =
; flash page 0 and window 1 = flash page 1, chip address 2AAAh is CPU 0x2AAA and 5555h is CPU
; 0x5555. The target page is mapped in window 2. Completion is polled with the Toggle Bit (DQ6).
; XMODEM follows Forsberg's "XMODEM/YMODEM Protocol Reference". Text sent before the transfer is
; lowercase: an uppercase C would look like the receiver's start signal.

PAGE0   equ 0x78            ; page registers of windows 0-3
PAGE1   equ 0x79
PAGE2   equ 0x7A
PAGE3   equ 0x7B
PAGEEN  equ 0x7C            ; bit 0: paging on
RAM     equ 0x20            ; page register value of RAM page 0 (chip page 32)
MAXPAGES equ 30             ; image pages: flash 1-30, buffered in RAM 32-61
MAXLEN  equ MAXPAGES*0x4000 ; 491520 bytes
HDRPAGE equ 31
HDRADDR equ 0x8000+0x3000   ; header sector through window 2
FL5555  equ 0x5555
FL2AAA  equ 0x2AAA

SOH     equ 0x01
STX     equ 0x02
EOT     equ 0x04
ACK     equ 0x06
NAK     equ 0x15
CAN     equ 0x18

CRC32T  equ 0xE000          ; 4 planes of 256 bytes (byte 0..3 of each entry)
CRC16T  equ 0xE400          ; high bytes, then low bytes at +256
STAGE   equ 0xE800          ; one 4K sector
BLKBUF  equ 0xF800          ; one XMODEM block
VARS    equ 0xFC00
v_tmo   equ VARS+0          ; getc_to timeout in ~11 ms units (word)
v_expect equ VARS+2
v_blknum equ VARS+3
v_blkcpl equ VARS+4
v_started equ VARS+5
v_blklen equ VARS+6         ; word
v_page  equ VARS+8
v_ptr   equ VARS+9          ; word
v_hdrleft equ VARS+11
v_count equ VARS+12         ; 3 bytes: image bytes received
v_n     equ VARS+16         ; word
v_rem   equ VARS+18         ; 3 bytes
v_pg    equ VARS+21
v_tmp   equ VARS+22
v_sector equ VARS+23
v_nsect equ VARS+24
v_upper equ VARS+25         ; Intel HEX: bits 16-23 of the address (type 04)
v_type  equ VARS+26         ; Intel HEX: record type
v_addr  equ VARS+27         ; Intel HEX: address of the next data byte (word)
v_cnt   equ VARS+29         ; Intel HEX: data bytes left in the record
v_sp    equ VARS+30         ; fill_buffer: the stack pointer (word)
v_hdr   equ VARS+32         ; 16-byte header
v_len   equ v_hdr+4
v_crc   equ v_hdr+8
v_mode  equ VARS+48         ; 0 = application upload, 1 = restore pass 1, 2 = restore pass 2
v_maxpg equ VARS+49         ; pages the receive buffer takes (its page index limit)
v_rambase equ VARS+50       ; page register value of buffer page index 0 (RAM-1 when restoring)
v_fbase equ VARS+51         ; prog_sectors: flash page of buffer page 0 (RAM page 32)
v_rcrc  equ VARS+52         ; restore: running CRC-32 after page 0 (not inverted, 4 bytes)
v_p0crc equ VARS+56         ; restore: CRC-32 of page 0 from pass 1 (4 bytes)

    org 0xC000
; Runs at 0x0000 from flash page 0 until the jp: position-independent up to there.
reset:
    di
    xor a
    out (PAGE0),a
    inc a
    out (PAGE1),a
    ld a,RAM+30
    out (PAGE2),a
    ld a,RAM+31
    out (PAGE3),a
    ld a,1
    out (PAGEEN),a          ; window 0 still shows flash page 0: execution continues
    ld hl,0x0000
    ld de,0xC000
    ld bc,loader_end-0xC000
    ldir
    jp main

    include "drivers/sio.asm"

main:
    ld sp,0x0000
    call con_init
    call crc_tables
    ld hl,s_banner
    call puts
    call check_image
    jr c,.no_image
    ld hl,s_key
    call puts
    ld hl,135               ; ~1.5 s
    ld (v_tmo),hl
    call getc_to
    jr nc,.loader
    ld hl,s_boot
    call puts
    jp boot
.no_image:
    call puts
.loader:
    call fill_buffer        ; before the ready line: an Intel HEX sender may start at once
    ld hl,s_ready
    call puts
    call drain
    call receive
    jr c,.fail
    ld a,(v_mode)
    or a
    jr nz,.restore
    call program
    jr c,.fail
    ld hl,s_boot
    call puts
    jp boot
.restore:
    call restore            ; returns only when something failed
.fail:
    call puts
    jr .loader

; boot: map the application (window 0 = flash 1, window 1 = flash 2, window 2 = RAM 62; window 3
; stays RAM 63) and jump to 0x0000. Never returns.
boot:
    ld a,1
    out (PAGE0),a
    inc a
    out (PAGE1),a
    ld a,RAM+30
    out (PAGE2),a
    ld sp,0x0000
    jp 0x0000

; check_image: read the stored header and check magic, length and CRC-32 over the flash.
; Out: NC = valid (v_hdr holds it); C = not bootable, HL = message. Clobbers all.
check_image:
    ld a,HDRPAGE
    out (PAGE2),a
    ld hl,HDRADDR
    ld de,v_hdr
    ld bc,16
    ldir
    call check_hdr
    ld hl,s_noimg
    ret c
    ld a,1
    call crc_region
    call cmp_crc
    ret z
    ld hl,s_badcrc
    scf
    ret

; check_hdr: magic and length of v_hdr. Out: NC ok; C with HL = message. Clobbers A, BC, DE, HL.
check_hdr:
    call check_magic
    jr nz,.bad
    ld a,(v_len+3)
    or a
    jr nz,.big
    ld hl,(v_len)
    ld a,(v_len+2)
    ld c,a
    or h
    or l
    jr z,.bad
    ex de,hl
    ld hl,MAXLEN & 0xFFFF
    or a
    sbc hl,de
    ld a,MAXLEN >> 16
    sbc a,c
    ret nc
.big:
    ld hl,s_toolarge
    scf
    ret
.bad:
    ld hl,s_badmagic
    scf
    ret

; check_magic: does v_hdr start with "Z8LM"? Out: Z if so. Clobbers A, B, DE, HL.
; T-states: 208 when it does, fewer at the first different byte.
check_magic:
    ld hl,v_hdr
    ld de,magic
    ld b,4
.mag:
    ld a,(de)
    cp (hl)
    ret nz
    inc hl
    inc de
    djnz .mag
    ret

; check_upl: the header of an upload, once its 16 bytes are in: a restore (flags bit 0) must be
; exactly 512K (the whole flash), anything else is an application (check_hdr). Sets v_mode,
; v_maxpg and v_rambase for commit. Out: NC ok; C with HL = message. Clobbers A, BC, DE, HL.
; T-states: under 500.
check_upl:
    xor a
    ld (v_mode),a
    ld a,MAXPAGES
    ld (v_maxpg),a
    ld a,RAM
    ld (v_rambase),a
    ld a,(v_hdr+14)
    rra
    jp nc,check_hdr
    call check_magic
    ld hl,s_badmagic
    scf
    ret nz
    ld hl,(v_len)           ; length 0x00080000
    ld a,h
    or l
    ld hl,(v_len+2)
    or h
    jr nz,.size
    ld a,l
    cp 8
    jr nz,.size
    ld a,1
    ld (v_mode),a
    ld a,32                 ; page 0 (into RAM 32, then CRC'd), pages 1-31 into RAM 32-62
    ld (v_maxpg),a
    ld a,RAM-1
    ld (v_rambase),a
    or a
    ret
.size:
    ld hl,s_rsize
    scf
    ret

; receive: XMODEM receiver into the header area and RAM pages 32-61 (or Intel HEX, see
; hex_receive; fill_buffer has run), then CRC-32 check.
; Out: NC = image in RAM, v_hdr valid; C with HL = message. Clobbers all.
receive:
    xor a
    ld (v_mode),a
    ld a,16
    jr rx_start

; receive_page0: restore pass 2: plain XMODEM (no header) of page 0, 16384 bytes, into RAM 32;
; checked against pass 1's page-0 CRC-32. Out: NC = page 0 in RAM 32; C with HL = message.
; Clobbers all. Takes the transfer's time (~1.5 s at 115200 baud).
receive_page0:
    ld a,2
    ld (v_mode),a
    ld a,1
    ld (v_maxpg),a
    ld a,RAM
    ld (v_rambase),a
    xor a
rx_start:                   ; A = header bytes expected
    ld (v_hdrleft),a
    ld a,1
    ld (v_expect),a
    xor a
    ld (v_page),a
    ld (v_started),a
    ld (v_count),a
    ld (v_count+1),a
    ld (v_count+2),a
    ld hl,0x8000
    ld (v_ptr),hl
.poke:
    ld a,(v_started)
    or a
    ld a,'C'
    jr z,.send
    ld a,NAK
.send:
    call con_out
.wait:
    ld hl,270               ; ~3 s
    ld (v_tmo),hl
    call getc_to
    jr c,.poke
    cp SOH
    jr z,.b128
    cp STX
    jr z,.b1k
    cp EOT
    jp z,.eot
    cp ':'
    jr nz,.notHex
    ld a,(v_mode)
    ld hl,v_started
    or (hl)
    jp z,hex_receive        ; Intel HEX instead of XMODEM (not for page 0 of a restore)
.notHex:
    cp ' '                  ; a sender knocking (z80lm flash) before the transfer: poll at once
    jr z,.knock
    cp CAN
    jr nz,.wait
    ld hl,s_cancel
    scf
    ret
.knock:
    ld a,(v_started)
    or a
    jr z,.poke
    jr .wait
.b128:
    ld bc,128
    jr .blk
.b1k:
    ld bc,1024
.blk:
    ld (v_blklen),bc
    ld a,1
    ld (v_started),a
    ld hl,90                ; ~1 s between bytes
    ld (v_tmo),hl
    call getc_to
    jr c,.bad
    ld (v_blknum),a
    call getc_to
    jr c,.bad
    ld (v_blkcpl),a
    ld hl,BLKBUF
    ld de,0                 ; CRC-16
.data:
    call getc_to
    jr c,.bad
    ld (hl),a
    inc hl
    xor d                   ; crc = (crc << 8) ^ T[(crc >> 8) ^ byte]
    push hl
    ld l,a
    ld h,CRC16T >> 8
    ld a,(hl)
    xor e
    ld d,a
    inc h
    ld e,(hl)
    pop hl
    dec bc
    ld a,b
    or c
    jr nz,.data
    call getc_to
    jr c,.bad
    ld b,a
    call getc_to
    jr c,.bad
    cp e
    jr nz,.bad
    ld a,b
    cp d
    jr nz,.bad
    ld a,(v_blkcpl)
    cpl
    ld hl,v_blknum
    cp (hl)
    jr nz,.bad
    ld a,(v_expect)
    cp (hl)
    jr z,.new
    dec a
    cp (hl)
    jr z,.ack               ; a repeat of the last block: our ACK was lost
    ld hl,s_seq
    jr .cancel
.new:
    call commit
    jr c,.cancel
    ld hl,v_expect
    inc (hl)
.ack:
    ld a,ACK
    call con_out
    jp .wait
.bad:
    call drain
    ld a,NAK
    call con_out
    jp .wait
.cancel:
    ld a,CAN
    call con_out
    call con_out
    call con_out
    scf
    ret
.eot:
    ld a,ACK
    call con_out
    ld a,(v_mode)
    cp 2
    jr z,.eot0
    ld a,(v_hdrleft)
    or a
    jr nz,.short
    ld hl,(v_count)         ; count - len must not borrow
    ld de,(v_len)
    or a
    sbc hl,de
    ld a,(v_count+2)
    ld hl,v_len+2
    sbc a,(hl)
    jr c,.short
    jp check_rx_crc
.eot0:
    ld a,(v_page)           ; page 0 whole?
    or a
    jr z,.short
    ld hl,0x4000
    ld (v_rem),hl
    xor a
    ld (v_rem+2),a
    ld de,0xFFFF
    ld b,d
    ld c,e
    ld a,RAM
    call crc_more
    ld hl,v_p0crc
    call cmp_crc_at
    ret z
    ld hl,s_p0crc
    scf
    ret
.short:
    ld hl,s_short
    scf
    ret

; check_rx_crc: CRC-32 of the received image in RAM against the header (a restore: page 0's
; running CRC, then RAM 32-62). Out: NC = good; C with HL = message. Clobbers all.
; T-states: about 142 per byte (a 512K restore: ~10 s at 7.3728 MHz).
check_rx_crc:
    ld a,(v_mode)
    or a
    jr nz,.restore
    ld a,RAM
    call crc_region
    jr .cmp
.restore:
    ld a,RAM
    call crc_rest
.cmp:
    call cmp_crc
    ret z                   ; Z came from cp: carry is clear
    ld hl,s_rxcrc
    scf
    ret

; fill_buffer: the image buffer (RAM pages 32-61) := 0xFF, the header buffer := 0, so that bytes
; an Intel HEX upload does not name read as erased flash and a missing header fails its magic.
; Pushes 0xFFFF through window 2 with interrupts off: ~0.4 s. Clobbers A, B, HL.
fill_buffer:
    ld (v_sp),sp
    ld hl,0xFFFF
    ld a,RAM
.page:
    out (PAGE2),a
    ld sp,0xC000
    ld b,0                  ; 256 rounds of 32 pushes = 16K
.round:
    rept 32
    push hl
    endr
    djnz .round
    inc a
    cp RAM+MAXPAGES
    jr nz,.page
    ld sp,(v_sp)
    ld hl,v_hdr
    ld b,16
.hdr:
    ld (hl),0
    inc hl
    djnz .hdr
    ret

; hex_receive: Intel HEX records into the buffers (the first ':' has been read), up to the end of
; file record; then the header and the CRC-32 are checked. Out: NC = image in RAM, v_hdr valid;
; C with HL = message. Clobbers all.
hex_receive:
    xor a
    ld (v_upper),a
.record:
    ld e,0                  ; E = sum of the record's bytes (checksum: 0 mod 256)
    call hex_byte
    ret c
    ld (v_cnt),a
    call hex_byte
    ret c
    ld (v_addr+1),a
    call hex_byte
    ret c
    ld (v_addr),a
    call hex_byte
    ret c
    ld (v_type),a
.data:
    ld a,(v_cnt)
    or a
    jr z,.sum
    dec a
    ld (v_cnt),a
    call hex_byte
    ret c
    ld d,a
    ld a,(v_type)
    or a
    jr nz,.other
    call hex_store          ; type 00: data
    jr .data
.other:
    cp 4
    jr nz,.data             ; types 02, 03, 05 (and 01's none): read, ignored
    ld a,(v_cnt)            ; type 04: the upper address word, big-endian; keep its low byte
    or a
    jr nz,.data
    ld a,d
    ld (v_upper),a
    jr .data
.sum:
    call hex_byte           ; the checksum byte completes the sum
    ret c
    ld a,e
    or a
    ld hl,s_hexsum
    scf
    ret nz
    ld a,(v_type)
    cp 1
    jr z,.eof
    ld hl,90                ; ~1 s for the next record
    ld (v_tmo),hl
.next:
    call getc_to            ; skip line ends up to the next ':'
    ld hl,s_hexshort
    ret c
    cp ':'
    jr z,.record
    cp 13
    jr z,.next
    cp 10
    jr z,.next
    cp ' '
    jr z,.next
    ld hl,s_hexbad
    scf
    ret
.eof:
    call check_hdr
    ret c
    jp check_rx_crc

; hex_byte: two hex digits from the line as a byte, added to E. The per-character path is kept
; short (about 130 T-states of the 640 a character takes at 115200 baud with a 7.3728 MHz
; clock), so a sender with no flow control never overruns the SIO.
; Out: NC and A = byte; C with HL = message. Clobbers BC, L; preserves D.
hex_byte:
    call hex_digit
    ret c
    add a,a
    add a,a
    add a,a
    add a,a
    ld l,a
    call hex_digit
    ret c
    or l
    ld l,a
    add a,e
    ld e,a
    ld a,l
    or a                    ; clear carry
    ret

; hex_digit: the next byte from the line (polled directly, ~0.35 s timeout) as a hex digit,
; either case. Out: NC and A = 0..15; C with HL = message. Clobbers BC.
hex_digit:
    ld bc,0
.poll:
    in a,(SIO_CTL)          ; RR0 bit 0: a byte is waiting
    rra
    jr c,.got
    dec bc
    ld a,b
    or c
    jr nz,.poll
    ld hl,s_hexshort
    scf
    ret
.got:
    in a,(SIO_DATA)
    sub '0'
    jr c,.bad
    cp 10
    ccf
    ret nc
    and 0xDF                ; letters: fold case ('a'-'0' -> 'A'-'0')
    sub 'A'-'0'
    jr c,.bad
    cp 6
    jr nc,.bad
    add a,10
    ret                     ; carry clear from the add
.bad:
    ld hl,s_hexbad
    scf
    ret

; hex_store: put data byte D at flash offset (v_upper:v_addr), then advance v_addr. The header
; bytes (0x7F000-0x7F00F) go to v_hdr, 0x4000 up to the image buffer in RAM pages 32-61 (through
; window 2), anything else (the loader's page, beyond the largest image) is dropped.
; In: D, v_upper, v_addr. Out: v_addr + 1. Clobbers A, HL. T-states: 178 for a header byte,
; 212 for an image byte.
hex_store:
    ld hl,(v_addr)
    ld a,(v_upper)
    cp 7
    jr nz,.image
    ld a,h                  ; 0x7F000-0x7F00F: the header
    cp 0xF0
    jr nz,.image7
    ld a,l
    cp 16
    jr nc,.image7
    ld a,l
    ld hl,v_hdr
    add a,l
    ld l,a
    ld a,d
    ld (hl),a
    jr .adv
.image7:
    ld a,7
.image:
    ; flash page = upper * 4 + addr >> 14; the buffer holds pages 1..MAXPAGES at RAM 32..61
    add a,a
    add a,a
    ld l,a
    ld a,h
    rlca
    rlca
    and 3
    add a,l                 ; A = flash page (upper < 64 here: the flash has 32)
    dec a                   ; page 0 is the loader's
    cp MAXPAGES
    jr nc,.adv              ; page 0 (A wrapped to 255) or past the largest image
    add a,RAM
    out (PAGE2),a
    ld hl,(v_addr)
    ld a,h
    and 0x3F
    or 0x80
    ld h,a
    ld (hl),d
.adv:
    ld hl,(v_addr)
    inc hl
    ld (v_addr),hl
    ret

; commit: move a good block from BLKBUF: the first 16 bytes of the upload to v_hdr (checked when
; complete), the rest to the RAM buffer, page by page (buffer page index k at page register
; v_rambase + k, at least RAM: a restore's page 0 shares RAM 32 with page 1). Bytes past the
; buffer's v_maxpg pages (XMODEM's padding) are dropped. In: BLKBUF, v_blklen, v_hdrleft,
; v_page, v_ptr. Out: NC ok; C with HL = message. Clobbers: all. T-states: about 21 per byte
; (LDIR) and 400 per run into one RAM page; about 170 per header byte and check_upl; when a
; restore's page 0 is complete, its CRC-32 (page0_crc, ~2.3 M T-states, 0.32 s).
commit:
    ld hl,BLKBUF
    ld bc,(v_blklen)
.hdr:
    ld a,(v_hdrleft)
    or a
    jr z,.body
    push bc
    ld c,a
    ld a,16
    sub c
    ld e,a
    ld d,0
    push hl
    ld hl,v_hdr
    add hl,de
    ex de,hl
    pop hl
    ld a,(hl)
    ld (de),a
    inc hl
    pop bc
    dec bc
    ld a,(v_hdrleft)
    dec a
    ld (v_hdrleft),a
    jr nz,.hdr
    push hl
    push bc
    call check_upl
    pop bc
    jr c,.hdrbad
    pop hl
    jr .hdr
.hdrbad:
    pop de                  ; drop the saved source; HL = message, carry set
    ret
.body:
    ld a,b
    or c
    ret z
    ld a,(v_maxpg)
    ld e,a
    ld a,(v_page)
    cp e
    ret nc                  ; the buffer is full: padding after the image
    ld e,a
    ld a,(v_rambase)
    add a,e
    cp RAM
    jr nc,.map
    ld a,RAM                ; a restore's page 0 goes to RAM 32 first
.map:
    out (PAGE2),a
    ld de,(v_ptr)
    push hl
    ld hl,0xC000
    or a
    sbc hl,de               ; room left in this page
    or a
    sbc hl,bc
    jr nc,.fits
    add hl,bc
    ld (v_n),hl
    jr .copy
.fits:
    ld (v_n),bc
.copy:
    pop hl
    push bc
    ld bc,(v_n)
    ldir
    ld (v_ptr),de
    push hl
    ld hl,(v_count)
    ld bc,(v_n)
    add hl,bc
    ld (v_count),hl
    ld a,(v_count+2)
    adc a,0
    ld (v_count+2),a
    pop hl
    ex (sp),hl              ; HL = bytes left, stack = source
    ld bc,(v_n)
    or a
    sbc hl,bc
    ld b,h
    ld c,l
    pop hl
    ld a,d
    cp 0xC0
    jr nz,.body
    ld de,0x8000
    ld (v_ptr),de
    ld a,(v_page)
    inc a
    ld (v_page),a
    dec a
    jr nz,.body
    ld a,(v_mode)
    dec a
    jr nz,.body
    push hl                 ; a restore's page 0 is complete in RAM 32
    push bc
    call page0_crc
    pop bc
    pop hl
    jp .body

; page0_crc: restore pass 1: the CRC-32 of page 0 (in RAM 32), kept running in v_rcrc for the
; whole image and finished in v_p0crc for pass 2. Out: v_rcrc, v_p0crc. Clobbers A, BC, DE, HL,
; IX, BC'. T-states: about 2.33 M (142 per byte).
page0_crc:
    ld hl,0x4000
    ld (v_rem),hl
    xor a
    ld (v_rem+2),a
    ld de,0xFFFF
    ld b,d
    ld c,e
    ld a,RAM
    call crc_run
    ld (v_rcrc),bc
    ld (v_rcrc+2),de
    call crc_fin
    ld (v_p0crc),bc
    ld (v_p0crc+2),de
    ret

; program: write the verified RAM image to flash pages 1.., header last; a restore (v_mode 1):
; RAM 32-62 to flash pages 1-31, checked by CRC-32 (page 0's from pass 1, then the flash).
; Out: NC ok (prints the flash CRC; a restore prints that pages 1-31 are done); C with HL =
; message. Clobbers all. Takes ~25 ms per sector erased and ~20 us per byte programmed.
program:
    ld hl,s_prog
    call puts
    ld a,HDRPAGE            ; invalidate the stored image first
    out (PAGE2),a
    ld hl,HDRADDR
    call erase_sector
    ret c
    ld a,(v_mode)
    or a
    ld a,(MAXPAGES+1)*4     ; a restore: flash pages 1-31, 124 sectors
    jr nz,.nsect
    ld hl,(v_len)           ; sectors = ceil(len / 4096) (len <= 491520: fits 8 bits)
    ld de,0x0FFF
    add hl,de
    ld a,(v_len+2)
    adc a,0
    ld l,h                  ; A:H:L >> 12 -> 8 bits from A(low nibble) and H(high nibble)
    ld h,a
    srl h
    rr l
    srl h
    rr l
    srl h
    rr l
    srl h
    rr l
    ld a,l
.nsect:
    ld (v_nsect),a
    ld a,1
    ld (v_fbase),a
    call prog_sectors
    ret c
    ld a,(v_mode)
    or a
    jr nz,.rest
    ld a,1
    call crc_region
    call cmp_crc
    ld hl,s_fcrc
    scf
    ret nz
    ld a,HDRPAGE            ; commit: write the header
    out (PAGE2),a
    ld hl,HDRADDR
    ld de,v_hdr
    ld bc,16
    call prog_bytes
    ret c
    ld hl,s_ok
    call puts
    call print_crc
    or a
    ret
.rest:
    ld a,1                  ; flash 1-31 after page 0's CRC: the header's CRC-32
    call crc_rest
    call cmp_crc
    ld hl,s_fcrc
    scf
    ret nz
    ld hl,s_rpass1
    call puts
    or a
    ret

; print_crc: print v_crc as 8 hex digits, then CR LF. In: v_crc. Out: none. Clobbers A, HL.
; T-states: about 700 plus 10 con_out.
print_crc:
    ld a,(v_crc+3)
    call hex8
    ld a,(v_crc+2)
    call hex8
    ld a,(v_crc+1)
    call hex8
    ld a,(v_crc)
    call hex8
    ld hl,s_crlf
    jp puts

; prog_sectors: erase, program and verify v_nsect sectors from the RAM buffer (RAM 32 up) to
; flash from page v_fbase, skipping sectors that already match; prints '.' per sector written,
; '=' per sector skipped. In: v_nsect, v_fbase, v_len (pad_last). Out: NC ok; C with HL =
; message. Clobbers all. Takes ~25 ms per sector erased and ~20 us per byte programmed.
prog_sectors:
    xor a
    ld (v_sector),a
.next:
    ld a,(v_sector)
    ld hl,v_nsect
    cp (hl)
    ret z                   ; (carry clear)
    call sector_addr        ; HL = address in window 2, B = sector's page index
    ld a,b
    add a,RAM
    out (PAGE2),a
    push hl
    ld de,STAGE
    ld bc,0x1000
    ldir
    pop hl
    call pad_last
    call sector_addr
    ld a,(v_fbase)
    add a,b
    out (PAGE2),a           ; flash page v_fbase + index
    push hl
    ld de,STAGE
    call cmp_sector
    pop hl
    ld a,'='
    jr z,.mark              ; already holds these bytes
    push hl
    call erase_sector
    pop hl
    ret c
    push hl
    ld de,STAGE
    ld bc,0x1000
    call prog_bytes
    pop hl
    ret c
    ld de,STAGE
    call cmp_sector
    ld hl,s_verify
    scf
    ret nz
    ld a,'.'
.mark:
    call con_out
    ld hl,v_sector
    inc (hl)
    jr .next

; restore: restore pass 1 is in RAM and checked (receive): program flash pages 1-31, then pass 2:
; receive page 0 again, check it, erase and program page 0, verify it, reset into the new
; firmware. Out: returns only on failure, C with HL = message (page 0 untouched unless the
; failure came while it was being written). Clobbers all. Takes ~25 ms per sector erased and
; ~20 us per byte programmed, plus the transfers.
restore:
    call program            ; pages 1-31, verified
    ret c
    ld hl,s_send0
    call puts
    call drain
    call receive_page0
    ret c
    ld hl,s_prog0
    call puts
    ld a,4
    ld (v_nsect),a
    xor a
    ld (v_fbase),a
    call prog_sectors       ; from here on a power cut needs a chip programmer
    ret c
    ld hl,0x4000            ; verify: page 0's CRC-32 in flash
    ld (v_rem),hl
    xor a
    ld (v_rem+2),a
    ld de,0xFFFF
    ld b,d
    ld c,e
    call crc_more           ; A = 0: flash page 0
    ld hl,v_p0crc
    call cmp_crc_at
    ld hl,s_fcrc
    scf
    ret nz
    ld hl,s_ok              ; page 0 and pages 1-31 checked: the flash's CRC-32 is the header's
    call puts
    call print_crc
    ld hl,s_reset
    call puts
    ld bc,0                 ; let the last bytes leave the SIO (~0.2 s)
.wait:
    dec bc
    ld a,b
    or c
    jr nz,.wait
    xor a                   ; as a reset leaves them: windows 0-2 = flash 0-2, IM 0, I = 0
    out (PAGE0),a
    ld i,a
    im 0
    inc a
    out (PAGE1),a
    inc a
    out (PAGE2),a
    ld hl,PAGEEN*256+0xD3   ; OUT (PAGEEN),A at 0xFFFE: with paging off the next fetch wraps
    ld (0xFFFE),hl          ; to 0x0000 of flash page 0, the new firmware's reset entry
    xor a
    jp 0xFFFE

; pad_last: in the image's last sector, the bytes of STAGE past the image become 0xFF, as
; erased flash: only the image's bytes are programmed, so the flash ends byte-identical to a
; chip-programmed one (not with XMODEM's 0x1A padding or stale RAM after the image).
; In: v_sector, v_nsect, v_len. Out: STAGE padded. Clobbers A, BC, DE, HL.
; T-states: 45 for another sector, 95 when the image fills its last sector, 164 when one byte
; is padded, else 185 + 21 per padded byte after the first (at most ~86 K T-states, ~12 ms at
; 7.3728 MHz, once per upload).
pad_last:
    ld a,(v_sector)         ; 13
    inc a                   ; 4
    ld hl,v_nsect           ; 10
    cp (hl)                 ; 7
    ret nz                  ; 11/5  not the last sector
    ld a,(v_len+1)          ; 13   HL = len & 0xFFF: the image's bytes in this sector
    and 0x0F                ; 7
    ld h,a                  ; 4
    ld a,(v_len)            ; 13
    ld l,a                  ; 4
    or h                    ; 4
    ret z                   ; 11/5  the image fills the sector
    ld de,STAGE             ; 10
    add hl,de               ; 11   HL = the first byte past the image
    ld (hl),0xFF            ; 10
    ex de,hl                ; 4
    ld hl,STAGE+0x0FFF      ; 10
    or a                    ; 4
    sbc hl,de               ; 15   HL = bytes after it in the sector
    ret z                   ; 11/5
    ld b,h                  ; 4
    ld c,l                  ; 4
    ld h,d                  ; 4
    ld l,e                  ; 4
    inc de                  ; 6
    ldir                    ; 21 per byte, 16 for the last
    ret                     ; 10

; sector_addr: for sector v_sector, B = page index (sector / 4), HL = 0x8000 + (sector & 3) * 4K.
; In: v_sector. Out: B, HL. Clobbers: A, F. T-states: 84.
sector_addr:
    ld a,(v_sector)
    ld b,a
    srl b
    srl b
    and 3
    rlca
    rlca
    rlca
    rlca
    or 0x80
    ld h,a
    ld l,0
    ret

; cmp_sector: compare 4K at HL with DE. In: HL, DE. Out: Z if equal. Clobbers A, BC, DE, HL.
; T-states: 233,487 when equal (57 per byte), fewer at the first difference.
cmp_sector:
    ld bc,0x1000
.c:
    ld a,(de)
    cp (hl)
    ret nz
    inc hl
    inc de
    dec bc
    ld a,b
    or c
    jr nz,.c
    ret

; erase_sector: sector-erase the 4K sector containing HL (window 2).
; In: HL. Out: NC done; C with HL = message. Clobbers A.  Takes up to 25 ms.
erase_sector:
    ld a,0xAA
    ld (FL5555),a
    ld a,0x55
    ld (FL2AAA),a
    ld a,0x80
    ld (FL5555),a
    ld a,0xAA
    ld (FL5555),a
    ld a,0x55
    ld (FL2AAA),a
    ld (hl),0x30
    jr wait_ready

; prog_bytes: byte-program BC bytes from DE to HL (window 2), skipping 0xFF (already erased).
; In: BC, DE, HL. Out: NC done; C with HL = message. Clobbers A, BC, DE, HL.
; Takes up to 20 us per programmed byte (the chip's byte-program time).
prog_bytes:
    ld a,(de)
    inc a
    jr z,.skip
    ld a,0xAA
    ld (FL5555),a
    ld a,0x55
    ld (FL2AAA),a
    ld a,0xA0
    ld (FL5555),a
    ld a,(de)
    ld (hl),a
    call wait_ready
    ret c
.skip:
    inc de
    inc hl
    dec bc
    ld a,b
    or c
    jr nz,prog_bytes
    ret

; wait_ready: poll the Toggle Bit at (HL) until it stops toggling. The data sheet's worst case
; is 25 ms (sector erase); we give up after ~2 s (4 x 65536 polls of 54 T-states at 7.3728 MHz),
; which also covers slower emulations of the chip.
; In: HL = an address in the sector being written. Out: NC done; C with HL = message. Clobbers A.
wait_ready:
    push bc
    push de
    ld e,4
    ld bc,0
.poll:
    ld a,(hl)
    xor (hl)
    and 0x40
    jr z,.done
    dec bc
    ld a,b
    or c
    jr nz,.poll
    dec e
    jr nz,.poll
    pop de
    pop bc
    ld hl,s_ftimeout
    scf
    ret
.done:
    pop de
    pop bc
    ret                     ; 'and' cleared carry

; crc_region: CRC-32 over v_len bytes starting at page register value A (pages in order) through
; window 2. crc_rest: a restore's CRC-32 after page 0: v_rcrc continued over the 31 pages
; from A (RAM 32-62 or flash 1-31). crc_more: v_rem (3 bytes) bytes from page A, continuing the
; running CRC in DEBC, then finished; crc_run: the same, not finished (not inverted).
; Out: DEBC = CRC (D = high byte). Clobbers A, HL, IX, BC', v_rem, v_pg.
; T-states: 142 per byte (crc_bytes) and about 400 per page: 0.32 s per 16K page at 7.3728 MHz.
crc_region:
    ld (v_pg),a
    ld hl,(v_len)
    ld (v_rem),hl
    ld a,(v_len+2)
    ld (v_rem+2),a
    ld de,0xFFFF
    ld b,d
    ld c,e
    jr crc_go
crc_rest:
    ld hl,0xC000            ; 31 pages = 0x7C000 bytes
    ld (v_rem),hl
    ld hl,7
    ld (v_rem+2),hl         ; (and v_pg, set below)
    ld bc,(v_rcrc)
    ld de,(v_rcrc+2)
crc_more:
    ld (v_pg),a
crc_go:
    call crc_pages
    jp crc_fin

; crc_run: see crc_region; crc_pages: the same from page v_pg. In: A = page register value,
; DEBC, v_rem. Out: DEBC, the running CRC.
; Clobbers A, HL, IX, BC', v_rem, v_pg. T-states: 142 per byte and about 400 per page.
crc_run:
    ld (v_pg),a
crc_pages:
.page:
    ld a,(v_rem+2)
    or a
    jr nz,.whole
    ld hl,(v_rem)
    ld a,h
    or l
    jr z,.fin
    ld a,h
    cp 0x40
    jr c,.setn
.whole:
    ld hl,0x4000
.setn:
    ld (v_n),hl
    push de
    ex de,hl
    ld hl,(v_rem)
    or a
    sbc hl,de
    ld (v_rem),hl
    ld a,(v_rem+2)
    sbc a,0
    ld (v_rem+2),a
    pop de
    ld a,(v_pg)
    out (PAGE2),a
    inc a
    ld (v_pg),a
    ld ix,0x8000
    exx
    ld bc,(v_n)
    exx
    call crc_bytes
    jr .page
.fin:
    ret

; crc_bytes: fold BC' (> 0) bytes at IX into the running CRC-32 DEBC (reflected, table-driven).
; In: DEBC, IX, BC'. Out: DEBC, IX past the bytes, BC' = 0. Clobbers A, HL.
; T-states: 142 per byte, + 5 (the last byte's jr falls through, then ret).
crc_bytes:
    ld a,(ix+0)
    inc ix
    xor c
    ld l,a
    ld h,CRC32T >> 8
    ld a,(hl)
    xor b
    ld c,a
    inc h
    ld a,(hl)
    xor e
    ld b,a
    inc h
    ld a,(hl)
    xor d
    ld e,a
    inc h
    ld d,(hl)
    exx
    dec bc
    ld a,b
    or c
    exx
    jr nz,crc_bytes
    ret

; crc_fin: finish a CRC-32 (invert DEBC). In: DEBC. Out: DEBC. Clobbers A. T-states: 58.
crc_fin:
    ld a,b
    cpl
    ld b,a
    ld a,c
    cpl
    ld c,a
    ld a,d
    cpl
    ld d,a
    ld a,e
    cpl
    ld e,a
    ret

; cmp_crc: compare DEBC with v_crc (little-endian); cmp_crc_at: with the 4 bytes at HL.
; In: DEBC, v_crc (or HL). Out: Z if equal (carry clear). Clobbers A, HL. T-states: 97 when
; equal (87 from cmp_crc_at), fewer at the first different byte.
cmp_crc:
    ld hl,v_crc
cmp_crc_at:
    ld a,c
    cp (hl)
    ret nz
    inc hl
    ld a,b
    cp (hl)
    ret nz
    inc hl
    ld a,e
    cp (hl)
    ret nz
    inc hl
    ld a,d
    cp (hl)
    ret

; crc_tables: build the CRC-16/XMODEM (poly 0x1021) and CRC-32 (reflected 0xEDB88320) tables.
; Clobbers A, BC, DE, HL.  About 0.25 M T-states.
crc_tables:
    ld hl,CRC16T
.c16:
    ld d,l
    ld e,0
    ld b,8
.c16b:
    sla e
    rl d
    jr nc,.c16n
    ld a,d
    xor 0x10
    ld d,a
    ld a,e
    xor 0x21
    ld e,a
.c16n:
    djnz .c16b
    ld (hl),d
    inc h
    ld (hl),e
    dec h
    inc l
    jr nz,.c16
    ld hl,CRC32T
.c32:
    ld c,l
    ld b,0
    ld d,b
    ld e,b
    ld a,8
    ld (v_tmp),a
.c32b:
    srl d
    rr e
    rr b
    rr c
    jr nc,.c32n
    ld a,d
    xor 0xED
    ld d,a
    ld a,e
    xor 0xB8
    ld e,a
    ld a,b
    xor 0x83
    ld b,a
    ld a,c
    xor 0x20
    ld c,a
.c32n:
    ld a,(v_tmp)
    dec a
    ld (v_tmp),a
    jr nz,.c32b
    ld (hl),c
    inc h
    ld (hl),b
    inc h
    ld (hl),e
    inc h
    ld (hl),d
    dec h
    dec h
    dec h
    inc l
    jr nz,.c32
    ret

; getc_to: wait up to (v_tmo) units of ~11 ms (1024 polls of 79 T-states at 7.3728 MHz).
; In: v_tmo. Out: NC and A = byte, or C on timeout. Preserves BC, DE, HL.
getc_to:
    push bc
    push de
    ld de,(v_tmo)
.outer:
    ld bc,1024
.inner:
    call con_poll
    jr c,.got
    dec bc
    ld a,b
    or c
    jr nz,.inner
    dec de
    ld a,d
    or e
    jr nz,.outer
    pop de
    pop bc
    scf
    ret
.got:
    pop de
    pop bc
    or a
    ret

; drain: discard input until the line is quiet for ~100 ms. In, out: none. Clobbers A, v_tmo.
drain:
    push hl
    ld hl,9
    ld (v_tmo),hl
.d:
    call getc_to
    jr nc,.d
    pop hl
    ret

; puts: print the zero-terminated string at HL. In: HL. Out: HL at the 0. Clobbers A.
; T-states: 22 plus 51 and a con_out per byte.
puts:
    ld a,(hl)
    or a
    ret z
    call con_out
    inc hl
    jr puts

; hex8: print A as two lowercase hex digits. In: A. Out: none. Clobbers A. T-states: 140 to
; 144 plus two con_out.
hex8:
    push af
    rrca
    rrca
    rrca
    rrca
    call .nib
    pop af
.nib:
    and 0x0F
    cp 10
    jr c,.dig
    add a,'a'-10-'0'
.dig:
    add a,'0'
    jp con_out

magic:      db "Z8LM"
s_banner:   db "\r\nz80lm loader 2 (rc2014-512k, sst39sf040)\r\n",0
s_key:      db "image ok; press a key within 1.5 s for the loader\r\n",0
s_boot:     db "booting\r\n",0
s_ready:    db "loader: send the image with xmodem (crc-16, 1k blocks) or as intel hex\r\n",0
s_noimg:    db "no image stored\r\n",0
s_badcrc:   db "stored image fails its crc-32 check\r\n",0
s_toolarge: db "\r\nerror: image too large (max 491520 bytes)\r\n",0
s_badmagic: db "\r\nerror: no z80lm image (bad header)\r\n",0
s_seq:      db "\r\nerror: xmodem block out of sequence\r\n",0
s_cancel:   db "\r\nerror: transfer cancelled by the sender\r\n",0
s_short:    db "\r\nerror: transfer ended before the image did\r\n",0
s_rxcrc:    db "\r\nerror: received image fails its crc-32 check\r\n",0
s_prog:     db "\r\nprogramming ",0
s_ftimeout: db "\r\nerror: flash write timed out\r\n",0
s_verify:   db "\r\nerror: flash verify failed\r\n",0
s_fcrc:     db "\r\nerror: flash crc-32 mismatch after programming\r\n",0
s_ok:       db "\r\nok: flash crc32 ",0
s_crlf:     db "\r\n",0
s_rsize:    db "\r\nerror: a restore must be the whole flash (524288 bytes)\r\n",0
s_rpass1:   db "\r\nok: pages 1-31 written and verified\r\n",0
s_send0:    db "loader: send page 0 again (16384 bytes, xmodem)\r\n",0
s_p0crc:    db "\r\nerror: page 0 differs from the first pass (crc-32): nothing erased in page 0\r\n",0
s_prog0:    db "\r\nprogramming page 0 ",0
s_reset:    db "resetting\r\n",0
s_hexsum:   db "\r\nerror: intel hex record fails its checksum\r\n",0
s_hexbad:   db "\r\nerror: not intel hex\r\n",0
s_hexshort: db "\r\nerror: intel hex ended without its end-of-file record\r\n",0
loader_end:
    assert loader_end <= CRC32T, "loader code overlaps its tables"
