//! Machines: devices wired from a board description.
