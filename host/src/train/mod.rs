//! Training: datasets (`input|OUTPUT` files), exact-match evaluation on the integer engine, and
//! quantization-aware training (QAT) of models that follow `../shared/spec/inference.md`.

pub mod dataset;
pub mod evaluate;
pub mod quant;
pub mod rng;
