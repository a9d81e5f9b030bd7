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
    /// The board has no flash (its ROM came from `rom`), or its flash is not kept in a file.
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
            FlashState::None => "not kept",
            FlashState::Loaded => "loaded",
            FlashState::Replaced => "replaced by --rom",
            FlashState::New => "new",
        }
    }
}

/// Why the machine could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error("no data directory for the flash state ($XDG_DATA_HOME and $HOME are unset): give --state FILE")]
    NoDataDir,
    #[error("{}: cannot create the data directory", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a ROM image is required for {0} (its ROM is not flashable): z80lm emu --board {0} CHAT.bin")]
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

/// The user's data directory for z80lm: `$XDG_DATA_HOME/z80lm`, else
/// `~/.local/share/z80lm` (on Windows `%APPDATA%\\z80lm`).
pub fn data_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    env("XDG_DATA_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".local/share")))
        .or_else(|| env("APPDATA"))
        .map(|d| d.join("z80lm"))
}

/// Where `board`'s flash state lives unless `--state` says otherwise: `<board>.flash` in
/// [`data_dir`], which is created.
pub fn default_state(board: &str) -> Result<PathBuf, EmuError> {
    let dir = data_dir().ok_or(EmuError::NoDataDir)?;
    std::fs::create_dir_all(&dir).map_err(|source| EmuError::DataDir {
        path: dir.clone(),
        source,
    })?;
    Ok(dir.join(format!("{board}.flash")))
}

/// The machine for `desc`: a board without flash runs `rom` (required); a flash board stores
/// `rom` (any file `z80lm build` writes, or an application behind the built-in loader) and
/// saves it to `state` at once, or without `rom` resumes `state`, or holds only the loader.
/// Without `state` the flash lives in memory only.
pub fn machine(
    desc: &BoardDesc,
    rom: Option<&Path>,
    state: Option<&Path>,
) -> Result<(Rc2014, FlashState), EmuError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| EmuError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    match (desc.flash.is_some(), rom, state) {
        (false, None, _) => Err(EmuError::RomRequired(desc.name.clone())),
        (false, Some(rom), _) => Ok((Rc2014::new(desc, &read(rom)?)?, FlashState::None)),
        (true, None, Some(state)) if state.exists() => {
            let flash =
                Sst39sf040::load(state, desc.clock_hz).map_err(|source| EmuError::LoadState {
                    path: state.to_path_buf(),
                    source,
                })?;
            Ok((Rc2014::with_flash(desc, flash)?, FlashState::Loaded))
        }
        (true, rom, state) => {
            let loader = z80rom::loader::build()?;
            let flash = match rom {
                None => z80rom::loader::flash_image(&loader, None),
                Some(path) => flash_from_file(&read(path)?, &loader, false).map_err(|source| {
                    EmuError::Image {
                        path: path.to_path_buf(),
                        source,
                    }
                })?,
            };
            let mut m = Rc2014::new(desc, &flash)?;
            let Some(state) = state else {
                return Ok((m, FlashState::None));
            };
            let how = if state.exists() {
                FlashState::Replaced
            } else {
                FlashState::New
            };
            // Saved now, not only when the flash is next written: a restart without an image
            // resumes this one.
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
