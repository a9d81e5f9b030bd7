//! The model core: file format (npz), encoders and the exact integer reference engine
//! (`../shared/spec/inference.md`).
