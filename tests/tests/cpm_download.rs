//! DOWNLOAD.COM packages (`z80lm::download`, `z80lm build --target cpm --package download`)
//! typed into the emulated CP/M machine: a receiver written from the package format
//! (`tests/asm/download.asm`, assembled by our assembler) runs as `DOWNLOAD CHAT.COM`, writes the
//! file through the BDOS, and the CHAT.COM it wrote is then run and answers as the host
//! reference does. Broken packages (a wrong digit, a missing byte, a line break in the hex)
//! are refused and leave no file.

use boards::console::ScriptedConsole;
use boards::machines::cpm::{Cpm, CpmConfig, Exit};
use z80lm::cpmdisk::CpmName;
use z80lm::engine::targets::cpm::Session;
use z80lm::model::Model;

const RECEIVER: &str = include_str!("../asm/download.asm");

fn receiver() -> Vec<u8> {
    let asm = z80rom::asm::assemble_str("download.asm", RECEIVER, z80rom::asm::Cpu::Z80)
        .expect("the receiver assembles");
    let (origin, bytes) = asm.flat(0);
    assert_eq!(origin, 0x0100);
    bytes
}

fn model() -> Model {
    Model::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/guess/model.npz"),
    )
    .expect("examples/guess/model.npz")
}

fn chat_com(model: &Model) -> Vec<u8> {
    let built = hil::cpm::build_com(model, &Default::default());
    z80lm::engine::targets::cpm::com_bytes(&built.image)
}

/// A machine with the receiver on drive A, user 0.
fn machine() -> Cpm {
    let mut cpm = Cpm::new(CpmConfig::default());
    cpm.drive.insert(0, "DOWNLOAD.COM", &receiver()).unwrap();
    cpm
}

/// Types `pkg` at the CCP: its first line is the command, the rest goes to the program.
/// Returns what the program printed.
fn paste(cpm: &mut Cpm, pkg: &[u8]) -> String {
    let eol = pkg
        .iter()
        .position(|&b| b == b'\r')
        .expect("a command line");
    cpm.load_command(&pkg[..eol])
        .expect("the CCP finds DOWNLOAD.COM");
    let mut console = ScriptedConsole::new(&pkg[eol..]);
    let exit = cpm
        .run(&mut console, 2_000_000_000)
        .expect("runs without a fault");
    assert_eq!(exit, Exit::WarmBoot, "the receiver ends with a warm boot");
    console.output_text()
}

#[test]
fn a_package_of_chat_com_loads_and_the_file_it_writes_chats() {
    let model = model();
    let com = chat_com(&model);
    let name = CpmName::parse("CHAT.COM").unwrap();
    let pkg = z80lm::download::package(&name, 0, &com).unwrap();
    assert!(pkg.starts_with(b"A:DOWNLOAD CHAT.COM\r\nU0\r\n:"));

    let mut cpm = machine();
    let out = paste(&mut cpm, &pkg);
    let records = com.len().div_ceil(128);
    assert_eq!(
        out,
        format!("{}\r\nOK", ".".repeat(records)),
        "the receiver's report"
    );
    let file = cpm
        .drive
        .file(0, "CHAT.COM")
        .expect("CHAT.COM written")
        .to_vec();
    assert_eq!(file.len(), records * 128);
    assert!(file[..com.len()] == com[..], "the file is CHAT.COM");
    assert!(file[com.len()..].iter().all(|&b| b == 0x1a));
    assert_eq!(cpm.user(), 0);

    // The CCP runs the downloaded file: it answers as the host reference does.
    cpm.load_command(b"CHAT").expect("CHAT.COM is on drive A");
    let mut console = ScriptedConsole::new(b"");
    assert_eq!(
        cpm.run(&mut console, 2_000_000_000).unwrap(),
        Exit::InputExhausted
    );
    assert_eq!(console.output(), b"> ", "the engine's prompt");
    let (mut session, _) = Session::boot(&file, b"", CpmConfig::default()).unwrap();
    for prompt in [&b"is it a chair"[..], b"is it an animal", b"does it fly"] {
        let mut keys = prompt.to_vec();
        keys.push(b'\r');
        let reply = session.send(&keys).unwrap();
        assert_eq!(
            reply.response(),
            z80lm::model::infer::respond(&model, prompt),
            "{:?}",
            String::from_utf8_lossy(prompt)
        );
    }
}

#[test]
fn the_user_area_line_puts_the_file_there() {
    let data: Vec<u8> = (0..300u32).map(|i| (i * 5) as u8).collect();
    let pkg = z80lm::download::package(&CpmName::parse("DATA.BIN").unwrap(), 7, &data).unwrap();
    let mut cpm = machine();
    let out = paste(&mut cpm, &pkg);
    assert!(out.ends_with("OK"), "{out:?}");
    assert!(cpm.drive.file(0, "DATA.BIN").is_none());
    assert_eq!(&cpm.drive.file(7, "DATA.BIN").unwrap()[..300], &data[..]);
    assert_eq!(cpm.user(), 0, "the user area is set back");
}

#[test]
fn broken_packages_are_refused_and_leave_no_file() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 11 + 1) as u8).collect();
    let pkg = z80lm::download::package(&CpmName::parse("X.COM").unwrap(), 0, &data).unwrap();
    let text = String::from_utf8(pkg).unwrap();
    let colon = text.find("\r\n:").unwrap() + 3;
    let gt = text.find('>').unwrap();

    // One digit changed (a line error): the checksum differs.
    let mut wrong = text.clone().into_bytes();
    wrong[colon + 10] = if wrong[colon + 10] == b'0' {
        b'1'
    } else {
        b'0'
    };
    // One byte (two digits) lost: the length differs.
    let mut short = text.clone();
    short.replace_range(colon + 20..colon + 22, "");
    // The hex broken over two lines, as a careless packager or a terminal's wrap would.
    let mut wrapped = text.clone();
    wrapped.insert_str(colon + 64, "\r\n");
    // A package cut off before its end: the receiver is still waiting for input.
    for (what, pkg, want) in [
        ("wrong digit", wrong, "ERROR: checksum does not match"),
        (
            "lost byte",
            short.into_bytes(),
            "ERROR: length does not match",
        ),
        ("line break", wrapped.into_bytes(), "ERROR: not a hex digit"),
    ] {
        let mut cpm = machine();
        let out = paste(&mut cpm, &pkg);
        assert!(out.ends_with(want), "{what}: {out:?}");
        assert!(cpm.drive.file(0, "X.COM").is_none(), "{what}: file left");
    }

    let mut cpm = machine();
    let cut = &text.as_bytes()[..gt];
    let eol = cut.iter().position(|&b| b == b'\r').unwrap();
    cpm.load_command(&cut[..eol]).unwrap();
    let mut console = ScriptedConsole::new(&cut[eol..]);
    assert_eq!(
        cpm.run(&mut console, 2_000_000_000).unwrap(),
        Exit::InputExhausted,
        "a cut package leaves the receiver waiting, not claiming success"
    );
    assert!(!console.output_text().contains("OK"));
}
