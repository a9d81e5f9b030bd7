//! CPU cores. Each sees only a timed bus.
