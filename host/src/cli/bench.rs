//! `z80lm bench`: T-states per generated character of our CP/M engine on the emulated CP/M
//! machine (exact Z80 timings), per model over the public vector prompts, per layer, with
//! image sizes; and upstream GUESS.COM on a fixed subset of the same prompts, with the ratio.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use boards::machines::cpm::CpmConfig;
use serde::Serialize;

use super::build::build_cpm;
use super::info::load_model;
use crate::build::targets::cpm::{com_bytes, Session};
use crate::build::Layout;

/// Benchmark the CP/M engine against upstream GUESS.COM (exact T-states, not wall time).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The machine: cpm (emulated CP/M 2.2, with GUESS.COM alongside) or gb (emulated DMG).
    #[arg(long, default_value = "cpm")]
    pub target: String,
    /// Shared data directory with data/<model>/model.npz, vectors/<model>.tsv and
    /// data/guess/GUESS.COM.
    #[arg(long, default_value = "../shared")]
    pub shared: PathBuf,
    /// Models to run (names under data/).
    #[arg(long, value_delimiter = ',', default_value = "guess,tinychat")]
    pub models: Vec<String>,
    /// Weight layout for our engine (auto, lists, packed or per layer).
    #[arg(long, default_value = "auto")]
    pub layout: Layout,
    /// Prompts of the guess vectors that GUESS.COM runs (it spends ~40 M T-states per char).
    #[arg(long, default_value_t = 3)]
    pub upstream_prompts: usize,
    /// Write the results as JSON to this file ("-" for stdout instead of the table).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Serialize, Default, Clone)]
pub struct Stat {
    pub mean: f64,
    pub min: u64,
    pub max: u64,
    pub n: usize,
}

impl Stat {
    fn of(v: &[u64]) -> Stat {
        if v.is_empty() {
            return Stat::default();
        }
        Stat {
            mean: v.iter().sum::<u64>() as f64 / v.len() as f64,
            min: *v.iter().min().unwrap_or(&0),
            max: *v.iter().max().unwrap_or(&0),
            n: v.len(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ModelResult {
    pub model: String,
    pub layout: String,
    pub image_bytes: usize,
    pub weight_bytes: usize,
    pub ram_bytes: u32,
    pub prompts: usize,
    pub chars: usize,
    /// T-states between consecutive response characters (one inference step each).
    pub t_per_char: Stat,
    /// T-states from the end of the typed line to the end of the response, per character.
    pub t_per_char_with_query: f64,
    /// Mean T-states per step spent up to each layer's sums (index 0: the query half of
    /// layer 1, once per prompt; 1: context encoding + layer 1; 2..: ReLU + layer k).
    pub t_per_layer: Vec<f64>,
    pub mismatches: usize,
}

#[derive(Debug, Serialize)]
pub struct Upstream {
    pub com: String,
    pub bytes: usize,
    pub prompts: Vec<String>,
    pub t_per_char: Stat,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub models: Vec<ModelResult>,
    pub upstream: Option<Upstream>,
    /// GUESS.COM mean / our guess mean.
    pub ratio: Option<f64>,
}

fn vectors(path: &Path) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .filter_map(|l| {
            l.iter()
                .position(|&b| b == b'\t')
                .map(|t| (l[..t].to_vec(), l[t + 1..].to_vec()))
        })
        .collect())
}

fn bench_model(shared: &Path, name: &str, layout: &Layout) -> Result<ModelResult> {
    let model = load_model(&shared.join("data").join(name).join("model.npz"))?;
    let vecs = vectors(&shared.join("vectors").join(format!("{name}.tsv")))?;
    let built = build_cpm(&model, layout, None)?;
    let com = com_bytes(&built.image);
    let hook = built
        .image
        .symbol("acc_ready")
        .context("image lacks acc_ready")?;
    let cur = usize::from(
        built
            .image
            .symbol("cur_layer")
            .context("image lacks cur_layer")?,
    );
    let (mut s, _) = Session::boot(&com, b"", CpmConfig::default())?;
    let nl = model.layers.len();
    let (mut steps, mut layer_t) = (0usize, vec![0u64; nl + 1]);
    let (mut intervals, mut chars, mut busy, mut bad, mut prompts) = (Vec::new(), 0, 0, 0, 0);
    for (p, want) in &vecs {
        if p.is_empty() || p[0] == b'!' {
            continue;
        }
        prompts += 1;
        let mut keys = p.clone();
        keys.push(b'\r');
        let mut last = Some(s.cpm.cpu.cycles);
        let r = s.send_watch(&keys, hook, |t, mem| {
            let k = usize::from(mem[cur]);
            if let Some(prev) = last {
                layer_t[k] += t - prev;
                if k == nl {
                    steps += 1;
                }
            }
            last = Some(t);
        })?;
        if r.response() != want.as_slice() {
            bad += 1;
        }
        chars += r.response().len();
        busy += r.end - r.start;
        intervals.extend(r.intervals());
    }
    let map = &built.image.map;
    Ok(ModelResult {
        model: name.to_string(),
        layout: built.plan.name(),
        image_bytes: com.len(),
        weight_bytes: usize::from(map.weights.1 - map.weights.0),
        ram_bytes: map.ram.1 - map.ram.0,
        prompts,
        chars,
        t_per_char: Stat::of(&intervals),
        t_per_char_with_query: busy as f64 / chars.max(1) as f64,
        t_per_layer: layer_t
            .iter()
            .enumerate()
            .map(|(k, &t)| t as f64 / if k == 0 { prompts.max(1) } else { steps.max(1) } as f64)
            .collect(),
        mismatches: bad,
    })
}

fn bench_upstream(shared: &Path, n: usize) -> Result<Option<Upstream>> {
    let path = shared.join("data/guess/GUESS.COM");
    let Ok(com) = std::fs::read(&path) else {
        eprintln!("skipping upstream: {} not found", path.display());
        return Ok(None);
    };
    let vecs = vectors(&shared.join("vectors/guess.tsv"))?;
    let prompts: Vec<Vec<u8>> = vecs
        .into_iter()
        .map(|v| v.0)
        .filter(|p| !p.is_empty() && p.len() < 60)
        .take(n)
        .collect();
    let (mut s, _) = Session::boot(&com, b"", CpmConfig::default())?;
    let mut iv = Vec::new();
    for p in &prompts {
        let mut keys = p.clone();
        keys.push(b'\r');
        iv.extend(s.send(&keys)?.intervals());
    }
    Ok(Some(Upstream {
        com: path.display().to_string(),
        bytes: com.len(),
        prompts: prompts
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect(),
        t_per_char: Stat::of(&iv),
    }))
}

/// The table `bench` prints.
pub fn render(r: &Report) -> String {
    let mut s = String::from("model     layout  image  weights  prompts chars   T/char mean      min      max  T/char incl. query\n");
    for m in &r.models {
        s += &format!(
            "{:<9} {:<7} {:>6} {:>8} {:>8} {:>5} {:>12.0} {:>8} {:>8} {:>19.0}{}\n",
            m.model,
            m.layout,
            m.image_bytes,
            m.weight_bytes,
            m.prompts,
            m.chars,
            m.t_per_char.mean,
            m.t_per_char.min,
            m.t_per_char.max,
            m.t_per_char_with_query,
            if m.mismatches > 0 {
                format!("  ({} MISMATCHES)", m.mismatches)
            } else {
                String::new()
            }
        );
    }
    s += "\nT-states per step up to each layer's sums (q = query half of layer 1, once per prompt):\n";
    for m in &r.models {
        let parts: Vec<String> = m
            .t_per_layer
            .iter()
            .enumerate()
            .map(|(k, t)| {
                if k == 0 {
                    format!("q {t:.0}")
                } else {
                    format!("L{k} {t:.0}")
                }
            })
            .collect();
        s += &format!("  {:<9} {}\n", m.model, parts.join("  "));
    }
    if let Some(u) = &r.upstream {
        s += &format!(
            "\nupstream GUESS.COM ({} bytes) on {} prompts ({}): {:.0} T/char mean (min {}, max {}, {} intervals)\n",
            u.bytes,
            u.prompts.len(),
            u.prompts.join(" | "),
            u.t_per_char.mean,
            u.t_per_char.min,
            u.t_per_char.max,
            u.t_per_char.n
        );
    }
    if let Some(x) = r.ratio {
        s += &format!("ratio GUESS.COM / our guess engine: {x:.1}x fewer T-states per char\n");
    }
    s
}

/// `--target gb`: T-states per inference step on the emulated Game Boy (gb's bench).
fn run_gb(args: &Args) -> Result<()> {
    for name in &args.models {
        let model = load_model(&args.shared.join("data").join(name).join("model.npz"))?;
        let prompts: Vec<Vec<u8>> =
            vectors(&args.shared.join("vectors").join(format!("{name}.tsv")))?
                .into_iter()
                .map(|v| v.0)
                .collect();
        let b = super::build_gb::bench(&model, &prompts)?;
        println!(
            "{name:<9} gb  {} prompts, {} steps, {} T-states per step",
            b.prompts,
            b.steps,
            b.per_step()
        );
    }
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    match args.target.as_str() {
        "cpm" => {}
        "gb" => return run_gb(&args),
        t => anyhow::bail!("unknown target {t:?}; supported: cpm, gb"),
    }
    let mut models = Vec::new();
    for name in &args.models {
        models.push(bench_model(&args.shared, name, &args.layout)?);
    }
    let upstream = if args.upstream_prompts > 0 {
        bench_upstream(&args.shared, args.upstream_prompts)?
    } else {
        None
    };
    let ratio = upstream.as_ref().and_then(|u| {
        models
            .iter()
            .find(|m| m.model == "guess")
            .map(|m| u.t_per_char.mean / m.t_per_char.mean.max(1.0))
    });
    let report = Report {
        models,
        upstream,
        ratio,
    };
    match &args.json {
        Some(p) if p.as_os_str() == "-" => println!("{}", serde_json::to_string_pretty(&report)?),
        Some(p) => {
            std::fs::write(p, serde_json::to_string_pretty(&report)?)?;
            print!("{}", render(&report));
        }
        None => print!("{}", render(&report)),
    }
    if report.models.iter().any(|m| m.mismatches > 0) {
        return Err(super::Failed(
            super::EXIT_FAILED,
            "some responses differ from the vectors".into(),
        )
        .into());
    }
    Ok(())
}
