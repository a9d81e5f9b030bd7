//! The z80lm inference engine as assembly sources, the assembler that turns them into bytes,
//! and the image layout. Knows nothing of boards: it links against a region list the host derives.

pub mod asm;
pub mod engine;
pub mod gb;
pub mod loader;
