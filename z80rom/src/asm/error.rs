//! Assembler errors: every problem is reported as `file:line: message`, never as a panic.
//! Several errors of one run are collected (up to [`MAX_ERRORS`]) and shown one per line.

use std::fmt;

/// How many errors one run collects before it stops.
pub const MAX_ERRORS: usize = 50;

/// One assembler error, located at a source line (line 0: the file as a whole).
///
/// `Display` prints `file:line: message`, followed by the further errors of the same run
/// (in [`AsmError::more`]) one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AsmError {
    pub file: String,
    pub line: usize,
    pub message: String,
    /// Further errors found in the same run, in source order.
    pub more: Vec<AsmError>,
}

impl AsmError {
    pub fn new(file: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        AsmError {
            file: file.into(),
            line,
            message: message.into(),
            more: Vec::new(),
        }
    }

    /// Builds one error from a non-empty list (the first one carries the rest).
    pub(crate) fn from_list(mut list: Vec<AsmError>) -> Self {
        if list.is_empty() {
            return AsmError::new("?", 0, "assembly failed");
        }
        let mut first = list.remove(0);
        first.more = list;
        first
    }

    /// This error and the further ones, each without its `more` list.
    pub fn all(&self) -> impl Iterator<Item = &AsmError> {
        std::iter::once(self).chain(self.more.iter())
    }

    fn fmt_one(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_one(f)?;
        for e in &self.more {
            writeln!(f)?;
            e.fmt_one(f)?;
        }
        Ok(())
    }
}
