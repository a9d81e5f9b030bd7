//! Writing output files whole: a build or a screenshot either appears complete or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn error(path: &Path, source: std::io::Error) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` so that a failed or interrupted write never leaves a half-written
/// image behind: a regular file (or a new one) is written to `PATH.part` in the same directory,
/// which is then renamed over it (and removed if anything fails). A symbolic link is followed
/// and its target written that way. A device, FIFO or socket (`-o /dev/null`, a pipe) is
/// written through, never replaced. A directory is refused.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(error(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "it is a directory: give a file name",
                ),
            ))
        }
        Ok(m) if !m.is_file() => {
            // A device node, FIFO or socket (or a link to one, as /dev/stdout): write through.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| error(path, e))?;
            return f
                .write_all(bytes)
                .and_then(|()| f.flush())
                .map_err(|e| error(path, e));
        }
        Ok(_) if is_link => std::fs::canonicalize(path).map_err(|e| error(path, e))?,
        Ok(_) => path.to_path_buf(),
        Err(e) if is_link => {
            return Err(error(
                path,
                std::io::Error::new(
                    e.kind(),
                    format!("a symbolic link to nothing that can be written ({e})"),
                ),
            ))
        }
        Err(_) => path.to_path_buf(),
    };
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes)
        .map_err(|e| error(&tmp, e))
        .and_then(|()| std::fs::rename(&tmp, &target).map_err(|e| error(path, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
