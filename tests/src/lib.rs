//! Hardware-in-the-loop harness: build with the real path, boot a machine, script the console,
//! compare with the host reference.
//!
//! Every image here comes from `z80lm::engine` (the same path as `z80lm build`); every answer
//! from typing into the emulated board's console. Data from `../shared` (spec vectors, upstream
//! models) comes through [`testsupport`]: absent, a test skips with a printed reason (a failure in
//! CI); the shipped `examples/` models with the host reference as the oracle need nothing beside
//! the clone.

pub mod cpm;
pub mod lines;
pub mod rc2014;
pub mod zx;

pub use testsupport::{require, shared_vectors, Missing, Vector};

use z80lm::model::{respond, Model};

/// Loads `path`; a model file that exists but does not load fails the test.
pub fn load_model(path: &std::path::Path) -> Model {
    Model::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An upstream model (`guess`, `tinychat`) from `../shared/data`.
pub fn shared_model(name: &str) -> Result<Model, Missing> {
    Ok(load_model(&testsupport::shared_model_path(name)?))
}

/// A model this project ships, `examples/<name>/model.npz`.
pub fn example_model(name: &str) -> Model {
    load_model(&testsupport::example_model_path(name))
}

/// The prompts of `tests/prompts/<prompts>.txt` with the host reference's answers for `model`:
/// vectors for any model, with no `../shared`.
pub fn reference_vectors(model: &Model, prompts: &str) -> Vec<Vector> {
    testsupport::example_prompts(prompts)
        .into_iter()
        .map(|p| {
            let r = respond(model, &p);
            (p, r)
        })
        .collect()
}

/// A shipped example model with its prompts answered by the host reference (`guess`,
/// `guess-mini`, `tinychat`; a `-mini` model takes the prompts of its big sibling).
pub fn example(name: &str) -> (Model, Vec<Vector>) {
    let model = example_model(name);
    let vectors = reference_vectors(&model, name.trim_end_matches("-mini"));
    (model, vectors)
}
