//! The build path: model -> layout plan -> generated assembly -> image -> container.

pub mod tape;
pub mod targets;
