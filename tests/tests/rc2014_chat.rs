//! RC2014 ROM images, hardware in the loop on the emulated boards: every public vector typed
//! over the UART of the 512K board (SIO/2, weights paged in layer by layer from flash behind our
//! resident loader) and of the Classic (68B50 ACIA, 32K ROM; the upstream guess model in gaps
//! layers), plus prompts that are in no vector file, against the host reference; the Classic's
//! memory-budget error.

use hil::rc2014::{build, RomChat};
use hil::{example, example_model, require, shared_model, shared_vectors};
use z80lm::engine::{Form, Layout};
use z80lm::model::{infer, Model};

/// Prompts in no vector file, answered by the host reference.
const EXTRA: &[&[u8]] = &[
    b"is it bigger than a bread box",
    b"DO YOU LIKE ME?",
    b"  spaces   everywhere  ",
    b"what about a table",
    b"x",
    b"0123456789 !?,.",
];

fn check(board: &str, model: &Model, vectors: &[(Vec<u8>, Vec<u8>)], layout: &Layout) {
    let rom = build(model, board, layout);
    let mut chat = RomChat::boot(board, &rom.rom);
    assert!(
        chat.banner.ends_with(b"> "),
        "{board}: no prompt: {:?}",
        String::from_utf8_lossy(&chat.banner)
    );
    let mut bad = Vec::new();
    let extra = EXTRA.iter().map(|p| (p.to_vec(), infer::respond(model, p)));
    for (prompt, want) in vectors.iter().cloned().chain(extra) {
        let got = chat.ask(&prompt);
        if got != want {
            bad.push(format!(
                "{:?}: want {:?} got {:?}",
                String::from_utf8_lossy(&prompt),
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{board} ({}): {} differ:\n{}",
        rom.built.plan.name(),
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn guess_vectors_on_the_512k_board() {
    let model = require!(shared_model("guess"));
    let vectors = require!(shared_vectors("guess"));
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    // The fast form everywhere, paged per layer: each layer's lists in flash pages of their own.
    assert_eq!(rom.built.plan.name(), "lists");
    assert_eq!(rom.pages.len(), model.layers.len());
    assert!(rom
        .pages
        .windows(2)
        .all(|w| w[1].first_page >= w[0].first_page + w[0].pages));
    assert!(rom.pages.iter().all(|p| p.bytes > 0));
    check("rc2014-512k", &model, &vectors, &Layout::Auto);
}

#[test]
fn tinychat_vectors_on_the_512k_board() {
    let model = require!(shared_model("tinychat"));
    let vectors = require!(shared_vectors("tinychat"));
    check("rc2014-512k", &model, &vectors, &Layout::Auto);
}

#[test]
fn packed_and_mixed_layers_page_too() {
    let model = require!(shared_model("guess"));
    let vectors = require!(shared_vectors("guess"));
    let mixed = Layout::PerLayer(vec![Form::Packed, Form::Lists, Form::Packed, Form::Lists]);
    check("rc2014-512k", &model, &vectors[..12], &mixed);
}

#[test]
fn shipped_models_on_the_512k_board() {
    for name in ["guess", "tinychat"] {
        let (model, vectors) = example(name);
        check("rc2014-512k", &model, &vectors, &Layout::Auto);
    }
}

#[test]
fn shipped_guess_packed_and_mixed_layers_page_too() {
    let (model, vectors) = example("guess");
    let mixed = Layout::PerLayer(vec![Form::Packed, Form::Lists, Form::Packed, Form::Lists]);
    check("rc2014-512k", &model, &vectors[..12], &mixed);
    check(
        "rc2014-512k",
        &model,
        &vectors[..12],
        &Layout::All(Form::Packed),
    );
}

#[test]
fn classic_rom_chats_over_the_acia() {
    let model = example_model("guess-mini");
    let rom = build(&model, "rc2014-classic", &Layout::Auto);
    assert_eq!(rom.rom.len(), 0x8000);
    // The reset vector: DI, then a jump to the engine's start.
    assert_eq!(rom.rom[0], 0xF3);
    let vectors: Vec<_> = [
        &b"is it alive"[..],
        b"can you sit on it",
        b"is it a chair",
        b"",
    ]
    .iter()
    .map(|p| (p.to_vec(), infer::respond(&model, p)))
    .filter(|(p, _)| !p.is_empty())
    .collect();
    assert_eq!(vectors[2].1, b"WIN");
    check("rc2014-classic", &model, &vectors, &Layout::Auto);
}

#[test]
fn upstream_models_fit_the_classic_in_gaps_layers() {
    // Lists for every layer need ~49-51K; auto takes the gaps form where it must (about half
    // the bytes of lists) and fits the 32K ROM.
    for name in ["guess", "tinychat"] {
        let model = require!(shared_model(name));
        let vectors = require!(shared_vectors(name));
        let rom = build(&model, "rc2014-classic", &Layout::Auto);
        assert!(
            rom.built.plan.forms().contains(&Form::Gaps),
            "{name}: {}",
            rom.built.plan.name()
        );
        check("rc2014-classic", &model, &vectors, &Layout::Auto);
    }
}

/// A model with every weight non-zero: in no form does it fit 32K.
fn dense() -> Model {
    let sizes = [256usize, 256, 192, 128, 11];
    let layers = sizes
        .windows(2)
        .map(|io| z80lm::model::Layer {
            out: io[1],
            inp: io[0],
            weights: (0..io[0] * io[1])
                .map(|i| if i % 3 == 0 { -1 } else { 1 })
                .collect(),
            bias: vec![0; io[1]],
        })
        .collect();
    Model {
        layers,
        charset: b"ABCDEFGHIJ\0".to_vec(),
        warning: None,
    }
}

#[test]
fn a_dense_model_does_not_fit_the_classic_and_says_what_would() {
    let model = dense();
    let desc = boards::desc::BoardDesc::builtin("rc2014-classic").unwrap();
    let err = z80lm::engine::targets::rc2014::build(&model, &desc, &Layout::Auto).unwrap_err();
    let msg = err.to_string();
    for want in ["32K ROM", "--hidden", "rc2014-512k", "too many"] {
        assert!(msg.contains(want), "{want:?} missing from: {msg}");
    }
}

#[test]
fn bang_on_the_512k_board_returns_to_the_loader() {
    let model = require!(shared_model("guess"));
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    let mut chat = RomChat::boot("rc2014-512k", &rom.rom);
    chat.m.send(b"!\r");
    let out = chat.run_until(b"> ");
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("z80lm loader"), "{text}");
    assert!(text.contains("booting"), "{text}");
    assert_eq!(chat.ask(b"is it a chair"), b"WIN");
}

/// The board with only our loader in its flash, waiting for an upload.
fn blank_512k() -> RomChat {
    let loader = z80rom::loader::build().unwrap();
    let mut chat = RomChat::power_up("rc2014-512k", &z80rom::loader::flash_image(&loader, None));
    let said = chat.run_until(b"intel hex\r\n");
    assert!(String::from_utf8_lossy(&said).contains("no image stored"));
    // The loader discards what arrives until the line has been quiet for ~0.1 s; a person
    // starts a terminal's send-file later than that.
    chat.m.run(7_372_800 / 4).unwrap();
    chat.m.take_output();
    chat
}

#[test]
fn the_loader_takes_the_intel_hex_build_writes_as_plain_text() {
    let model = example_model("guess");
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    let hex = z80lm::engine::targets::rc2014::intel_hex(&rom.rom).unwrap();
    let mut chat = blank_512k();
    // As a terminal's "send file" would: the text as it is, at the line rate.
    let start = chat.m.cpu.cycles;
    chat.m.send(hex.as_bytes());
    // Up to the end-of-file record: its line end stays unread (the engine it boots reads it).
    let tail = hex.len() - hex.trim_end().len();
    while chat.m.pending_input() > tail {
        chat.m.run(640).unwrap();
    }
    // The loader keeps up with the line: no byte waits for it (the line is flow-controlled
    // here, so a slow loader would stretch the transfer).
    let took = chat.m.cpu.cycles - start;
    let line = (hex.len() - tail) as u64 * chat.m.cycles_per_char();
    assert!(
        took <= line + line / 100 && took * 1000 >= line * 999,
        "{took} T for {line} T of line time"
    );
    let said = chat.run_until(b"> ");
    let said = String::from_utf8_lossy(&said);
    let crc = z80rom::loader::CRC32.checksum(&rom.app);
    assert!(
        said.contains(&format!("ok: flash crc32 {crc:08x}")),
        "{said}"
    );
    assert!(said.contains("booting"), "{said}");
    assert_eq!(chat.ask(b"is it a chair"), b"WIN");
    // What was programmed is the image, byte for byte.
    let flash = chat.m.flash().unwrap().contents();
    assert_eq!(z80rom::loader::stored_image(flash), Some(&rom.app[..]));
}

#[test]
fn a_bad_intel_hex_record_is_refused_and_nothing_boots() {
    let model = example_model("guess-mini");
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    let hex = z80lm::engine::targets::rc2014::intel_hex(&rom.rom).unwrap();
    // One data digit changed in the middle of the file: that record's checksum fails.
    let mut bad = hex.clone().into_bytes();
    let at = bad.len() / 2;
    let at = at + bad[at..].iter().position(|&b| b == b':').unwrap() + 12;
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    let mut chat = blank_512k();
    chat.m.send(&bad);
    let said = chat.run_until(b"intel hex\r\n");
    let said = String::from_utf8_lossy(&said);
    assert!(
        said.contains("error: intel hex record fails its checksum"),
        "{said}"
    );
    // The rest of the file is drained; the loader waits again and the flash holds no image.
    chat.m.run(7_372_800).unwrap();
    assert_eq!(
        z80rom::loader::stored_image(chat.m.flash().unwrap().contents()),
        None
    );
    // A file cut short is refused too.
    let mut chat = blank_512k();
    chat.m.send(&hex.as_bytes()[..hex.len() / 3]);
    let said = chat.run_until(b"intel hex\r\n");
    assert!(
        String::from_utf8_lossy(&said).contains("without its end-of-file record"),
        "{}",
        String::from_utf8_lossy(&said)
    );
}

#[test]
fn line_noise_never_touches_the_flash_and_the_loader_stays_in_charge() {
    // Random bytes, salted with the bytes that start an XMODEM block, an Intel HEX record and a
    // cancel, at the blank board's waiting loader: nothing may be erased or programmed, and the
    // loader must still be there afterwards.
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let model = example_model("guess-mini");
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    for round in 0..6 {
        // Even rounds: a blank board. Odd rounds: a stored image, a key in the key window, then
        // the noise once the loader waits for an upload.
        let with_image = round % 2 == 1;
        let mut chat = if with_image {
            let mut c = RomChat::power_up("rc2014-512k", &rom.rom);
            c.run_until(b"loader\r\n");
            c.m.send(b" ");
            c.run_until(b"intel hex\r\n");
            c.m.run(7_372_800 / 4).unwrap();
            c
        } else {
            blank_512k()
        };
        let before = chat.m.flash().unwrap().contents().to_vec();
        let noise: Vec<u8> = (0..3000)
            .map(|_| {
                let r = next();
                match r % 23 {
                    0 => 0x01,
                    1 => 0x02,
                    2 => b':',
                    3 => 0x04,
                    _ => (r >> 8) as u8,
                }
            })
            .filter(|&b| b != 0x18) // CAN is a clean abort, tested elsewhere
            .collect();
        chat.m.send(&noise);
        // Let it chew through the noise and time out of whatever it started.
        chat.m.run(7_372_800 * 12).unwrap();
        assert!(
            chat.m.flash().unwrap().contents() == &before[..],
            "round {round}: line noise changed the flash"
        );
        // Still the loader: after a reset it waits for an upload again, or boots the image.
        chat.m.take_output();
        chat.m.reset();
        if with_image {
            chat.run_until(b"booting\r\n> ");
            assert_eq!(chat.ask(b"is it a chair"), b"WIN", "round {round}");
        } else {
            let said = chat.run_until(b"intel hex\r\n");
            assert!(
                String::from_utf8_lossy(&said).contains("no image stored"),
                "round {round}: {}",
                String::from_utf8_lossy(&said)
            );
        }
    }
}

/// A model and its (prompt, response) vectors.
type Case<'a> = (&'a Model, &'a [(Vec<u8>, Vec<u8>)]);

/// Builds the models (name, model) into one 512K image behind the start-up menu.
fn menu_rom(models: &[(&str, &Model)]) -> z80lm::engine::targets::rc2014::MenuBuild {
    let desc = boards::desc::BoardDesc::builtin("rc2014-512k").unwrap();
    let named: Vec<(String, Model)> = models
        .iter()
        .map(|(n, m)| (n.to_string(), (*m).clone()))
        .collect();
    z80lm::engine::targets::rc2014::build_menu(&named, &desc, &Layout::Auto)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// The menu's prompt, which ends every menu screen.
const MENU_PROMPT: &[u8] = b"! loader): ";

/// Chooses `number` in the menu and runs to the engine's first prompt.
fn choose(chat: &mut RomChat, number: &str) {
    chat.m.send(format!("{number}\r").as_bytes());
    let out = chat.run_until(b"> ");
    let text = String::from_utf8_lossy(&out);
    // The echo, then straight into the engine: no loader in between.
    assert!(text.starts_with(&format!("{number}\r\n")), "{text}");
    assert!(!text.contains("loader"), "{text}");
}

/// Types every prompt and collects the ones whose answer differs.
fn answers(chat: &mut RomChat, model: &Model, vectors: &[(Vec<u8>, Vec<u8>)]) -> Vec<String> {
    let extra = EXTRA.iter().map(|p| (p.to_vec(), infer::respond(model, p)));
    let mut bad = Vec::new();
    for (prompt, want) in vectors.iter().cloned().chain(extra) {
        let got = chat.ask(&prompt);
        if got != want {
            bad.push(format!(
                "{:?}: want {:?} got {:?}",
                String::from_utf8_lossy(&prompt),
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    bad
}

/// Both models of a two-model image answer on the emulated 512K board: chosen from the menu,
/// every vector typed, `!` back to the menu, the other model, `!` in the menu to the loader
/// (which boots the menu again).
fn two_models_behind_the_menu(guess: Case<'_>, tiny: Case<'_>) {
    let rom = menu_rom(&[("guess", guess.0), ("tinychat", tiny.0)]);
    // The menu in page 1, guess from page 2, tinychat right after it.
    assert_eq!(rom.models[0].first_page, 2);
    assert_eq!(
        rom.models[1].first_page,
        rom.models[0].first_page + rom.models[0].pages
    );
    assert_eq!(z80rom::loader::stored_image(&rom.rom), Some(&rom.app[..]));
    let mut chat = RomChat::power_up("rc2014-512k", &rom.rom);
    let boot = chat.run_until(MENU_PROMPT);
    let text = String::from_utf8_lossy(&boot).into_owned();
    assert!(
        text.contains("z80lm loader") && text.contains("booting"),
        "{text}"
    );
    assert!(boot.ends_with(rom.listing.as_bytes()), "{text}");
    for (i, m) in rom.models.iter().enumerate() {
        let row = text
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("{}  {}", i + 1, m.name))
            })
            .unwrap_or_else(|| panic!("no row for {}: {text}", m.name));
        assert!(
            row.contains(&format!("{} KB", m.bytes.div_ceil(1024))),
            "{row}"
        );
        assert!(row.ends_with("chars/s est."), "{row:?}");
    }
    assert!(text.ends_with("model (1-2, ! loader): "), "{text}");

    choose(&mut chat, "1");
    let bad = answers(&mut chat, guess.0, guess.1);
    assert!(
        bad.is_empty(),
        "guess behind the menu: {} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
    chat.m.send(b"!\r");
    let back = chat.run_until(MENU_PROMPT);
    let back = String::from_utf8_lossy(&back);
    assert!(
        back.contains("z80lm: 2 models") && !back.contains("z80lm loader"),
        "{back}"
    );

    choose(&mut chat, "2");
    let bad = answers(&mut chat, tiny.0, tiny.1);
    assert!(
        bad.is_empty(),
        "tinychat behind the menu: {} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
    chat.m.send(b"!\r");
    chat.run_until(MENU_PROMPT);

    // Numbers that name no model, and other lines, ask again.
    for wrong in ["3", "0", "x", "1!", "!!", "300"] {
        chat.m.send(format!("{wrong}\r").as_bytes());
        let said = chat.run_until(MENU_PROMPT);
        assert!(
            String::from_utf8_lossy(&said).starts_with(&format!("{wrong}\r\n?\r\n")),
            "{wrong}: {}",
            String::from_utf8_lossy(&said)
        );
    }
    // `!` in the menu: the loader, which boots the stored image (the menu) again.
    chat.m.send(b"!\r");
    let said = chat.run_until(MENU_PROMPT);
    let said = String::from_utf8_lossy(&said);
    assert!(
        said.contains("z80lm loader") && said.contains("booting"),
        "{said}"
    );
    choose(&mut chat, "1");
    assert_eq!(
        chat.ask(b"is it a chair"),
        infer::respond(guess.0, b"is it a chair")
    );
}

#[test]
fn two_shipped_models_behind_the_menu_on_the_512k_board() {
    let (guess, gv) = example("guess");
    let (tiny, tv) = example("tinychat");
    two_models_behind_the_menu((&guess, &gv), (&tiny, &tv));
}

#[test]
fn two_upstream_models_behind_the_menu_answer_their_vectors() {
    let guess = require!(shared_model("guess"));
    let gv = require!(shared_vectors("guess"));
    let tiny = require!(shared_model("tinychat"));
    let tv = require!(shared_vectors("tinychat"));
    two_models_behind_the_menu((&guess, &gv), (&tiny, &tv));
}

/// The menu does not slow the engines: every exchange takes exactly the T-states it takes on
/// the one-model image (same plan, same code; only the weights' page numbers and `!`'s
/// stub differ).
#[test]
fn each_model_behind_the_menu_takes_the_t_states_of_its_own_image() {
    use z80lm::engine::targets::rc2014::Session;
    let (guess, gv) = example("guess");
    let (tiny, tv) = example("tinychat");
    let rom = menu_rom(&[("guess", &guess), ("tinychat", &tiny)]);
    let desc = boards::desc::BoardDesc::builtin("rc2014-512k").unwrap();
    for (i, (model, vectors)) in [(&guess, &gv), (&tiny, &tv)].into_iter().enumerate() {
        let alone = build(model, "rc2014-512k", &Layout::Auto);
        let behind = &rom.models[i].build;
        assert_eq!(behind.built.plan, alone.built.plan);
        let con_out =
            |b: &z80lm::engine::targets::rc2014::RomBuild| b.built.image.symbol("con_out");
        let (mut one, _) = Session::boot(&desc, &alone.rom, con_out(&alone)).unwrap();
        let mut chat = RomChat::power_up("rc2014-512k", &rom.rom);
        chat.run_until(MENU_PROMPT);
        choose(&mut chat, &(i + 1).to_string());
        let mut menu = Session::on(chat.m, con_out(behind));
        for (prompt, _) in vectors
            .iter()
            .filter(|(p, _)| !p.is_empty() && p[0] != b'!')
            .take(6)
        {
            let a = one.ask(prompt, None, |_, _| {}).unwrap();
            let b = menu.ask(prompt, None, |_, _| {}).unwrap();
            assert_eq!(a.output, b.output);
            assert_eq!(
                (a.end - a.start, a.intervals()),
                (b.end - b.start, b.intervals()),
                "{:?}",
                String::from_utf8_lossy(prompt)
            );
        }
    }
}
