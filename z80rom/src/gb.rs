//! The Game Boy (SM83) engine sources under `asm/gb/`, embedded so the host builds cartridges
//! from anywhere, as [`crate::engine`] embeds the Z80 core and drivers. The host's code
//! generator writes the model-specific `model.asm` they include (`asm/gb/README.md`).

/// `(name, text)` of every Game Boy source, named as `include` refers to them.
pub const SOURCES: &[(&str, &str)] = &[
    ("main.asm", include_str!("../asm/gb/main.asm")),
    ("mem.inc", include_str!("../asm/gb/mem.inc")),
    ("ui.asm", include_str!("../asm/gb/ui.asm")),
    ("engine.asm", include_str!("../asm/gb/engine.asm")),
    ("menu.asm", include_str!("../asm/gb/menu.asm")),
];

/// The 5x7 font, drawn as text (see the file's header); the host turns it into tile data.
pub const FONT_TXT: &str = include_str!("../asm/gb/font.txt");

/// The text of one embedded source.
pub fn source(name: &str) -> Option<&'static str> {
    SOURCES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
