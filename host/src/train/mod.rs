//! Training: datasets (`input|OUTPUT` files), exact-match evaluation on the integer engine, and
//! quantization-aware training (QAT) of models that follow `../shared/spec/inference.md`.

pub mod check;
pub mod dataset;
pub mod evaluate;
pub mod net;
pub mod plot;
pub mod quant;
pub mod rng;
pub mod trainer;
