//! Where sources come from: the main file, `include` and `incbin` all go through [`Files`],
//! so the generated engine can live in memory ([`MemFiles`]) layered over a source
//! directory ([`DirFiles`]) with [`Layered`].

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;

/// A source of named files (names use `/` separators).
pub trait Files {
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
}

impl<F: Files + ?Sized> Files for &F {
    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        (**self).read(name)
    }
}

/// Files held in memory, e.g. generated sources and tables.
#[derive(Debug, Clone, Default)]
pub struct MemFiles(pub HashMap<String, Vec<u8>>);

impl MemFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.0.insert(name.into(), bytes.into());
        self
    }

    /// Builder form of [`MemFiles::insert`].
    pub fn with(mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(name, bytes);
        self
    }
}

impl Files for MemFiles {
    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file in memory"))
    }
}

/// Files below a directory on disk.
#[derive(Debug, Clone)]
pub struct DirFiles(pub PathBuf);

impl Files for DirFiles {
    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.0.join(name))
    }
}

/// Several file sources; the first one that has a name wins (e.g. generated files in
/// memory over the engine source directory).
pub struct Layered<'a>(pub Vec<&'a dyn Files>);

impl<'a> Layered<'a> {
    pub fn new(top: &'a dyn Files, below: &'a dyn Files) -> Self {
        Layered(vec![top, below])
    }
}

impl Files for Layered<'_> {
    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no file sources");
        for f in &self.0 {
            match f.read(name) {
                Ok(b) => return Ok(b),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}
