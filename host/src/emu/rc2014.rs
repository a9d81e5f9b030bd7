//! The RC2014 machine `z80lm emu` serves: a Classic with its 32K ROM, or a 512K board whose
//! flash comes from a build file or application (`--rom`) or is resumed from its state file.

use std::path::{Path, PathBuf};

use boards::desc::BoardDesc;
use boards::devices::sst39sf040::Sst39sf040;
use boards::machines::rc2014::{MachineError, Rc2014};

use crate::engine::targets::rc2014::{flash_from_file, ImageFileError};

/// Where the flash contents came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashState {
    /// The board has no flash (its ROM came from `rom`).
    None,
    /// Resumed from the state file.
    Loaded,
    /// The state file existed and was replaced by `rom`.
    Replaced,
    /// A new state file was written.
    New,
}

impl FlashState {
    /// How `emu` describes it after the state file's path.
    pub fn describe(self) -> &'static str {
        match self {
            FlashState::None => "none",
            FlashState::Loaded => "loaded",
            FlashState::Replaced => "replaced by --rom",
            FlashState::New => "new",
        }
    }
}

/// Why the machine could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error("--rom is required for {0} (its ROM is not flashable)")]
    RomRequired(String),
    #[error("{}: cannot read", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot load the flash state", path.display())]
    LoadState {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot save the flash state", path.display())]
    SaveState {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", path.display())]
    Image {
        path: PathBuf,
        #[source]
        source: ImageFileError,
    },
    #[error(transparent)]
    Loader(#[from] z80rom::asm::AsmError),
    #[error(transparent)]
    Machine(#[from] MachineError),
}

/// The machine for `desc`: a board without flash runs `rom` (required); a flash board stores
/// `rom` (any file `z80lm build` writes, or an application behind the built-in loader) and
/// saves it to `state` at once, or without `rom` resumes `state`, or holds only the loader.
pub fn machine(
    desc: &BoardDesc,
    rom: Option<&Path>,
    state: &Path,
) -> Result<(Rc2014, FlashState), EmuError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| EmuError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    match (desc.flash.is_some(), rom) {
        (false, None) => Err(EmuError::RomRequired(desc.name.clone())),
        (false, Some(rom)) => Ok((Rc2014::new(desc, &read(rom)?)?, FlashState::None)),
        (true, None) if state.exists() => {
            let flash =
                Sst39sf040::load(state, desc.clock_hz).map_err(|source| EmuError::LoadState {
                    path: state.to_path_buf(),
                    source,
                })?;
            Ok((Rc2014::with_flash(desc, flash)?, FlashState::Loaded))
        }
        (true, rom) => {
            let loader = z80rom::loader::build()?;
            let flash = match rom {
                None => z80rom::loader::flash_image(&loader, None),
                Some(path) => {
                    flash_from_file(&read(path)?, &loader).map_err(|source| EmuError::Image {
                        path: path.to_path_buf(),
                        source,
                    })?
                }
            };
            let how = if state.exists() {
                FlashState::Replaced
            } else {
                FlashState::New
            };
            let mut m = Rc2014::new(desc, &flash)?;
            // Saved now, not only when the flash is next written: a restart without --rom
            // resumes this image.
            if let Some(f) = m.flash_mut() {
                f.save(state).map_err(|source| EmuError::SaveState {
                    path: state.to_path_buf(),
                    source,
                })?;
            }
            Ok((m, how))
        }
    }
}
