//! The model core: file format (npz), encoders and the exact integer reference engine, all as in
//! `../shared/spec/inference.md`. Every Z80/SM83 engine is checked against [`respond`].

pub mod encode;
pub mod infer;
pub mod npz;

use std::path::Path;

pub use encode::{context_input, query_input, CTX, MAX_OUT, MAX_QUERY, UNIT};
pub use infer::{respond, Engine, Overflow, Pairs, Step};
use npz::{Array, Dtype, NpzError};

/// Inputs of the first layer: 128 query buckets then 128 context buckets (spec §1).
pub const INPUTS: usize = 256;
/// Largest charset a model may have: output indices must fit a byte and leave room for EOS.
pub const MAX_CLASSES: usize = 255;

/// Why a model file was rejected. Each message names the problem in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read {0}: {1}")]
    Io(String, String),
    #[error(transparent)]
    Npz(#[from] NpzError),
    #[error("missing array {0:?} (a model needs fc1_weight, fc1_bias, ... and _charset)")]
    Missing(String),
    #[error("array {name:?} has dtype {found}, expected {expected}")]
    Dtype {
        name: String,
        found: String,
        expected: &'static str,
    },
    #[error("array {name:?} has shape {found:?}, expected {expected}")]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: String,
    },
    #[error("{name} holds {value} at [{row}][{col}]; weights must be -2, -1, 0 or +1")]
    Weight {
        name: String,
        value: i8,
        row: usize,
        col: usize,
    },
    #[error("charset is empty")]
    EmptyCharset,
    #[error("charset has {0} symbols; at most {MAX_CLASSES} are supported")]
    CharsetTooLarge(usize),
    #[error(
        "charset has {charset} bytes but the last layer has {classes} outputs; they must agree"
    )]
    CharsetMismatch { charset: usize, classes: usize },
    #[error("fc{layer} takes {found} inputs but the previous layer has {expected} outputs")]
    Inconsistent {
        layer: usize,
        found: usize,
        expected: usize,
    },
    #[error("unexpected array {0:?} (only fcN_weight, fcN_bias and names starting with '_' are allowed)")]
    Unexpected(String),
    #[error("no layers (fc1_weight is missing)")]
    NoLayers,
}

/// One fully connected layer: `out × inp` weights in {-2,-1,0,1} (row-major) and `out` biases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub out: usize,
    pub inp: usize,
    pub weights: Vec<i8>,
    pub bias: Vec<i16>,
}

impl Layer {
    /// The weights of output neuron `j`.
    pub fn row(&self, j: usize) -> &[i8] {
        &self.weights[j * self.inp..(j + 1) * self.inp]
    }

    pub fn nonzero(&self) -> usize {
        self.weights.iter().filter(|&&w| w != 0).count()
    }

    /// Non-zero weights of each input's column: the adds a non-zero input costs.
    pub fn column_nonzero(&self) -> Vec<u32> {
        let mut n = vec![0u32; self.inp];
        for row in self.weights.chunks(self.inp) {
            for (c, &w) in n.iter_mut().zip(row) {
                *c += u32::from(w != 0);
            }
        }
        n
    }

    /// Bytes of the weights packed four per byte (2 bits each), as upstream stores them.
    pub fn packed_bytes(&self) -> usize {
        self.out * self.inp.div_ceil(4)
    }
}

/// A model: layers 256 → hidden… → N and the charset (byte k is the output of logit k; the last
/// one is EOS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub layers: Vec<Layer>,
    pub charset: Vec<u8>,
    /// A note when `_architecture` disagreed with the tensors (the tensors win, spec §2).
    pub warning: Option<String>,
}

impl Model {
    /// Loads a model file, validating it against spec §2.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let bytes = std::fs::read(path)
            .map_err(|e| ModelError::Io(path.display().to_string(), e.to_string()))?;
        Model::from_npz(&bytes)
    }

    /// Parses and validates model file bytes.
    pub fn from_npz(bytes: &[u8]) -> Result<Model, ModelError> {
        let members = npz::read_zip(bytes)?;
        let mut arrays = std::collections::BTreeMap::new();
        for (member, data) in &members {
            let name = member.strip_suffix(".npy").unwrap_or(member).to_string();
            let is_layer = name
                .strip_prefix("fc")
                .and_then(|r| r.split_once('_'))
                .is_some_and(|(n, kind)| {
                    n.parse::<usize>().is_ok_and(|n| n >= 1) && (kind == "weight" || kind == "bias")
                });
            if !name.starts_with('_') && !is_layer {
                return Err(ModelError::Unexpected(name));
            }
            if is_layer || name == "_charset" || name == "_architecture" {
                arrays.insert(name.clone(), npz::parse_npy(member, data)?);
            }
        }
        let mut layers = Vec::new();
        let mut prev = INPUTS;
        while arrays.contains_key(&format!("fc{}_weight", layers.len() + 1)) {
            let k = layers.len() + 1;
            let layer = take_layer(&mut arrays, k, prev)?;
            prev = layer.out;
            layers.push(layer);
        }
        if layers.is_empty() {
            return Err(ModelError::NoLayers);
        }
        if let Some(stray) = arrays.keys().find(|k| k.starts_with("fc")) {
            return Err(ModelError::Unexpected(format!(
                "{stray} (layers must be numbered 1..L without gaps)"
            )));
        }
        let charset = arrays
            .remove("_charset")
            .ok_or_else(|| ModelError::Missing("_charset".into()))?;
        let Dtype::Bytes(_) = charset.dtype else {
            return Err(ModelError::Dtype {
                name: "_charset".into(),
                found: charset.dtype.to_string(),
                expected: "|S<n>",
            });
        };
        if !charset.shape.is_empty() {
            return Err(ModelError::Shape {
                name: "_charset".into(),
                found: charset.shape,
                expected: "() (a 0-d byte string)".into(),
            });
        }
        let charset = charset.data;
        let classes = prev;
        if charset.is_empty() {
            return Err(ModelError::EmptyCharset);
        }
        if charset.len() > MAX_CLASSES {
            return Err(ModelError::CharsetTooLarge(charset.len()));
        }
        if charset.len() != classes {
            return Err(ModelError::CharsetMismatch {
                charset: charset.len(),
                classes,
            });
        }
        let mut model = Model {
            layers,
            charset,
            warning: None,
        };
        if let Some(arch) = arrays.get("_architecture") {
            let expected = model.architecture_json();
            let found = String::from_utf8_lossy(&arch.data)
                .trim_end_matches('\0')
                .to_string();
            let norm = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            if norm(&found) != norm(&expected) {
                model.warning = Some(format!(
                    "_architecture says {found} but the tensors give {expected}; using the tensors"
                ));
            }
        }
        Ok(model)
    }

    /// Serialises to npz bytes that `np.load` reads back with the same arrays.
    pub fn to_npz(&self) -> Vec<u8> {
        let mut members = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let k = i + 1;
            members.push((
                format!("fc{k}_weight.npy"),
                npz::write_npy(&Array::i8(vec![l.out, l.inp], &l.weights)),
            ));
            members.push((
                format!("fc{k}_bias.npy"),
                npz::write_npy(&Array::i16(vec![l.out], &l.bias)),
            ));
        }
        members.push((
            "_architecture.npy".into(),
            npz::write_npy(&Array::bytes(self.architecture_json().as_bytes())),
        ));
        members.push((
            "_charset.npy".into(),
            npz::write_npy(&Array::bytes(&self.charset)),
        ));
        npz::write_zip(&members)
    }

    /// Writes the model atomically: a temporary file beside `path`, then a rename.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("npz.partial");
        std::fs::write(&tmp, self.to_npz())?;
        std::fs::rename(&tmp, path)
    }

    /// The `_architecture` JSON as numpy-side tools write it.
    pub fn architecture_json(&self) -> String {
        let hidden: Vec<String> = self.layers[..self.layers.len() - 1]
            .iter()
            .map(|l| l.out.to_string())
            .collect();
        format!(
            "{{\"input_size\": {INPUTS}, \"hidden_sizes\": [{}], \"num_classes\": {}}}",
            hidden.join(", "),
            self.classes()
        )
    }

    /// Number of output symbols N (EOS included).
    pub fn classes(&self) -> usize {
        self.charset.len()
    }

    /// Output index of EOS: the last one (spec §2).
    pub fn eos(&self) -> usize {
        self.charset.len() - 1
    }

    pub fn parameters(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.bias.len())
            .sum()
    }
}

fn take_layer(
    arrays: &mut std::collections::BTreeMap<String, Array>,
    k: usize,
    inp: usize,
) -> Result<Layer, ModelError> {
    let wname = format!("fc{k}_weight");
    let bname = format!("fc{k}_bias");
    let w = arrays
        .remove(&wname)
        .ok_or_else(|| ModelError::Missing(wname.clone()))?;
    let b = arrays
        .remove(&bname)
        .ok_or_else(|| ModelError::Missing(bname.clone()))?;
    if w.dtype != Dtype::I8 {
        return Err(ModelError::Dtype {
            name: wname,
            found: w.dtype.to_string(),
            expected: "|i1 (int8)",
        });
    }
    if b.dtype != Dtype::I16 {
        return Err(ModelError::Dtype {
            name: bname,
            found: b.dtype.to_string(),
            expected: "<i2 (int16)",
        });
    }
    let [out, found_in] = w.shape[..] else {
        return Err(ModelError::Shape {
            name: wname,
            found: w.shape,
            expected: "(out, in)".into(),
        });
    };
    if found_in != inp {
        return Err(ModelError::Inconsistent {
            layer: k,
            found: found_in,
            expected: inp,
        });
    }
    if out == 0 {
        return Err(ModelError::Shape {
            name: wname,
            found: w.shape,
            expected: "at least one output".into(),
        });
    }
    if b.shape != [out] {
        return Err(ModelError::Shape {
            name: bname,
            found: b.shape,
            expected: format!("({out},)"),
        });
    }
    let weights = w.as_i8();
    if let Some(i) = weights.iter().position(|&v| !(-2..=1).contains(&v)) {
        return Err(ModelError::Weight {
            name: wname,
            value: weights[i],
            row: i / inp,
            col: i % inp,
        });
    }
    Ok(Layer {
        out,
        inp,
        weights,
        bias: b.as_i16(),
    })
}

/// A model file that could not be loaded: which file, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: invalid model", path.display())]
pub struct LoadError {
    pub path: std::path::PathBuf,
    #[source]
    pub source: ModelError,
}

/// Loads a model file for a command: the error names the file. A warning stays in
/// [`Model::warning`] for the caller to show.
pub fn load_file(path: &Path) -> Result<Model, LoadError> {
    Model::load(path).map_err(|source| LoadError {
        path: path.to_path_buf(),
        source,
    })
}
