//! The ZX Spectrum 48K tape on the emulated 48K (`boards::machines::zx48`, memory contention
//! emulated), and the 128K tape on the emulated 128K,, measured as [`super::cpm`] does on CP/M: the real ROM boots, the tape loads
//! (its `LD-BYTES` trapped), and each prompt is typed key by key on the keyboard matrix, as a
//! person would, then ENTER. Every byte the engine passes to its `con_out` is logged with the
//! T-state it happens at.

use boards::devices::tape::parse_tap;
use boards::devices::ula::Key;
use boards::machines::zx48::{locate_128_roms, locate_rom, Zx48};

use super::{benched, per_layer, BenchError, Case, ModelResult, Stat};
use crate::engine::targets::{zx128, zx48};
use crate::engine::{intervals, response_span, Layout};

/// T-states a key is released between two characters: twice the driver's 5 ms debounce.
const RELEASE_T: u64 = 35_000;
/// Frames an answer may take before the bench gives up on it.
const ANSWER_FRAMES: u64 = 3_000;

/// The emulated 48K running our engine, with the engine's console and layer hooks watched.
struct Bench {
    zx: Zx48,
    /// T-states per frame of this Spectrum.
    frame_t: u64,
    con_in: u16,
    con_out: u16,
    /// `acc_ready` (a layer's sums are complete) and the address of `cur_layer`.
    hook: u16,
    cur_layer: u16,
    /// Bytes passed to con_out and the T-state of each.
    out: Vec<u8>,
    times: Vec<u64>,
    /// con_in entries since the last con_out.
    in_calls: usize,
    /// T-state of the last acc_ready and the layer it was for, per layer totals.
    last_hook: Option<u64>,
    layer_t: Vec<u64>,
    steps: usize,
}

impl Bench {
    /// One instruction, with the watches.
    fn step(&mut self) {
        let pc = self.zx.cpu.pc;
        if pc == self.con_out {
            self.out.push(self.zx.cpu.a);
            self.times.push(self.zx.cpu.cycles);
            self.in_calls = 0;
        } else if pc == self.con_in {
            self.in_calls += 1;
        } else if pc == self.hook {
            let k = usize::from(self.zx.memory()[usize::from(self.cur_layer)]);
            let t = self.zx.cpu.cycles;
            if let (Some(prev), Some(slot)) = (self.last_hook, self.layer_t.get_mut(k)) {
                *slot += t - prev;
                if k == self.layer_t.len() - 1 {
                    self.steps += 1;
                }
            }
            self.last_hook = Some(t);
        }
        self.zx.step();
    }

    fn run_for(&mut self, t: u64) {
        let until = self.zx.cpu.cycles + t;
        while self.zx.cpu.cycles < until {
            self.step();
        }
    }

    /// Hold the keys of `c` until the driver has echoed it and asks for the next key (or 3
    /// frames pass: ENTER starts an answer), then release them.
    fn type_char(&mut self, c: char) {
        let Some((shift, key)) = Key::for_char(c) else {
            return;
        };
        for k in shift.into_iter().chain([key]) {
            self.zx.bus.ula.press(k);
        }
        let (start, before) = (self.zx.cpu.cycles, self.out.len());
        self.in_calls = 0;
        while !(self.out.len() > before && self.in_calls > 0)
            && self.zx.cpu.cycles - start < 3 * self.frame_t
        {
            self.step();
        }
        self.zx.bus.ula.release_all();
        self.run_for(RELEASE_T);
    }

    /// Run until the output ends with `suffix`; false after `frames` frames.
    fn run_until(&mut self, suffix: &[u8], frames: u64) -> bool {
        let until = self.zx.cpu.cycles + frames * self.frame_t;
        while !self.out.ends_with(suffix) {
            if self.zx.cpu.cycles >= until {
                return false;
            }
            self.step();
        }
        true
    }
}

/// True if every character of `prompt` has a key on the Spectrum keyboard.
pub fn typable(prompt: &[u8]) -> bool {
    prompt
        .iter()
        .all(|&b| b.is_ascii() && Key::for_char(char::from(b)).is_some())
}

/// Our ZX Spectrum 48K tape of `case` on the emulated 48K: T-states between consecutive
/// response bytes (one step, including the character drawn on the screen), and from the
/// engine's echo of the line's ENTER to the CR ending the response, per character. Prompts
/// that cannot be typed on a Spectrum keyboard are left out.
pub fn bench(case: &Case, layout: &Layout) -> Result<ModelResult, BenchError> {
    let built = zx48::build(&case.model, layout).map_err(|e| BenchError::Zx48Build {
        name: case.name.clone(),
        source: Box::new(e),
    })?;
    let rom_path = locate_rom().ok_or(BenchError::NoZxRom)?;
    let rom = read(&rom_path)?;
    let mut zx = Zx48::new(&rom).map_err(|e| BenchError::ZxRom(rom_path.clone(), e))?;
    zx.run_frames(100);
    zx.insert_tape(parse_tap(&built.tape.to_tap()).map_err(BenchError::ZxTape)?);
    // The chat can print its first prompt before the typing of LOAD "" ends (the tape loads
    // at once): its con_out is watched from here on, and `measure` takes what was logged.
    if let Some(con_out) = built.built.image.symbol("con_out") {
        zx.watch(con_out);
    }
    zx.type_load_command();
    let (w, c, t) = (built.weights, built.code, built.tables);
    let sizes = Sizes {
        image: usize::from(w.1 - w.0) + usize::from(c.1 - c.0) + usize::from(t.1 - t.0),
        weights: usize::from(w.1 - w.0),
    };
    measure(case, zx, &built.built, sizes)
}

/// [`bench`] for our ZX Spectrum 128K tape on the emulated 128K, loaded from its menu's Tape
/// Loader (the weights in RAM banks).
pub fn bench_128(case: &Case, layout: &Layout) -> Result<ModelResult, BenchError> {
    let built = zx128::build(&case.model, layout).map_err(|e| BenchError::Zx128Build {
        name: case.name.clone(),
        source: Box::new(e),
    })?;
    let [a, b] = locate_128_roms().ok_or(BenchError::NoZx128Roms)?;
    let mut zx =
        Zx48::new_128(&read(&a)?, &read(&b)?).map_err(|e| BenchError::ZxRom(a.clone(), e))?;
    zx.run_frames(150);
    zx.insert_tape(parse_tap(&built.tape.to_tap()).map_err(BenchError::ZxTape)?);
    zx.tap_keys(&[Key::ENTER], 2, 6);
    let weights: usize = built.layers.iter().map(|l| l.bytes).sum();
    let (c, t) = (built.code, built.tables);
    let sizes = Sizes {
        image: weights + usize::from(c.1 - c.0) + usize::from(t.1 - t.0),
        weights,
    };
    measure(case, zx, &built.built, sizes)
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, BenchError> {
    std::fs::read(path).map_err(|source| BenchError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Bytes of an image and of its weights.
struct Sizes {
    image: usize,
    weights: usize,
}

/// Type every benched prompt of `case` into `zx`, which is loading the engine `built`.
fn measure(
    case: &Case,
    zx: Zx48,
    built: &crate::engine::Built,
    sizes: Sizes,
) -> Result<ModelResult, BenchError> {
    let image = &built.image;
    let sym = |n: &'static str| image.symbol(n).ok_or(BenchError::Symbol(n));
    let frame_t = zx.frame_t();
    let mut b = Bench {
        zx,
        frame_t,
        con_in: sym("con_in")?,
        con_out: sym("con_out")?,
        hook: sym("acc_ready")?,
        cur_layer: sym("cur_layer")?,
        out: Vec::new(),
        times: Vec::new(),
        in_calls: 0,
        last_hook: None,
        layer_t: vec![0; case.model.layers.len() + 1],
        steps: 0,
    };
    for (_, a) in b.zx.take_watch_log() {
        b.out.push(a);
        b.times.push(b.zx.cpu.cycles);
    }
    if !b.run_until(b"> ", 600) {
        return Err(BenchError::ZxNoAnswer(
            case.name.clone(),
            "its first prompt".into(),
        ));
    }
    let (mut prompts, mut chars, mut busy, mut bad) = (0, 0, 0, 0);
    let mut all_intervals = Vec::new();
    for (p, want) in benched(&case.vectors).filter(|(p, _)| typable(p)) {
        prompts += 1;
        b.out.clear();
        b.times.clear();
        for &c in p {
            b.type_char(char::from(c));
        }
        b.last_hook = Some(b.zx.cpu.cycles);
        b.type_char('\n');
        if !b.run_until(b"\r\n> ", ANSWER_FRAMES) {
            let p = String::from_utf8_lossy(p).into_owned();
            return Err(BenchError::ZxNoAnswer(case.name.clone(), p));
        }
        // Long lines are cut at the driver's limit: the echo ends at the first CR LF.
        let (start, end) = response_span(&b.out);
        if &b.out[start..end] != want.as_slice() {
            bad += 1;
        }
        chars += end - start;
        busy += b.times[end] - b.times[start - 2];
        all_intervals.extend(intervals(&b.out, &b.times));
    }
    let map = &image.map;
    Ok(ModelResult {
        model: case.name.clone(),
        layout: built.plan.name(),
        image_bytes: sizes.image,
        weight_bytes: sizes.weights,
        ram_bytes: map.ram.1 - map.ram.0,
        prompts,
        chars,
        t_per_char: Stat::of(&all_intervals),
        t_per_char_with_query: busy as f64 / chars.max(1) as f64,
        t_per_layer: per_layer(&b.layer_t, prompts, b.steps),
        mismatches: bad,
        board: None,
    })
}
