//! The hand-written engine sources (`z80rom/asm/core/*.asm`) and console drivers
//! (`z80rom/asm/drivers/*.asm`), embedded so `z80lm` assembles images with no files on disk.
//! The host's code generator writes the model-specific top-level file that includes them;
//! `menu/menu.asm` is the start-up menu of an RC2014 512K image with several models.

/// `(name, text)` of every core source and driver, named as `include` refers to them.
pub const SOURCES: &[(&str, &str)] = &[
    ("core/chat.asm", include_str!("../asm/core/chat.asm")),
    ("core/encode.asm", include_str!("../asm/core/encode.asm")),
    ("core/layers.asm", include_str!("../asm/core/layers.asm")),
    ("core/bss.asm", include_str!("../asm/core/bss.asm")),
    ("drivers/bdos.asm", include_str!("../asm/drivers/bdos.asm")),
    ("drivers/zx.asm", include_str!("../asm/drivers/zx.asm")),
    (
        "drivers/zx_delay.asm",
        include_str!("../asm/drivers/zx_delay.asm"),
    ),
    (
        "drivers/rc2014.asm",
        include_str!("../asm/drivers/rc2014.asm"),
    ),
    ("drivers/msx.asm", include_str!("../asm/drivers/msx.asm")),
    ("menu/menu.asm", include_str!("../asm/menu/menu.asm")),
    ("drivers/acia.asm", include_str!("../asm/drivers/acia.asm")),
    ("drivers/sio.asm", include_str!("../asm/drivers/sio.asm")),
];

/// The text of one embedded source.
pub fn source(name: &str) -> Option<&'static str> {
    SOURCES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
