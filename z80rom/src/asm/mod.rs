//! Two-pass Z80/SM83 assembler.
