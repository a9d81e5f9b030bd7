; zx_delay.asm - the ZX Spectrum driver's 1 ms wait (see drivers/zx.asm), in a file of its own
; so a build can place it in uncontended memory (0x8000 and up) when the rest of the driver is
; not: there it takes the same time whatever the ULA is doing.

; zx_delay: wait about 1 ms (3,300 T-states). Clobbers: F.
zx_delay:
        push bc
        ld b, 253
zx_delay_loop:
        djnz zx_delay_loop
        pop bc
        ret
