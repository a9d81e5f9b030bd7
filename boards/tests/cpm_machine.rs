//! CP/M 2.2 machine tests with tiny hand-assembled programs (bytes written
//! directly; the project's assembler is not a dependency of `boards`).
//! Each asserts the console transcript, the stop reason and T-states.

use boards::console::ScriptedConsole;
use boards::machines::cpm::{Cpm, CpmConfig, CpmError, Exit, DEFAULT_BDOS_COST};

const BUDGET: u64 = 10_000_000;

fn machine(program: &[u8], cfg: CpmConfig) -> Cpm {
    let mut cpm = Cpm::new(cfg);
    cpm.load_com(program, b"").expect("program fits");
    cpm
}

/// `LD C,fn ; CALL 5` for BDOS function `f` with DE = `de`.
fn bdos(f: u8, de: u16) -> Vec<u8> {
    let [lo, hi] = de.to_le_bytes();
    vec![0x11, lo, hi, 0x0e, f, 0xcd, 0x05, 0x00]
}

#[test]
fn print_string_then_return_warm_boots_with_exact_t_states() {
    // 0100 LD DE,0x010A ; LD C,9 ; CALL 5 ; RET ; "HI$"
    let mut p = bdos(9, 0x0109);
    p.push(0xc9);
    p.extend_from_slice(b"HI$");
    let mut cpm = machine(&p, CpmConfig::default());
    let mut con = ScriptedConsole::new(b"");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::WarmBoot));
    assert_eq!(con.output(), b"HI");
    // LD DE (10) + LD C (7) + CALL 5 (17) + JP FBASE at 0x0005 (10) reach
    // the BDOS at T=44.
    assert_eq!(con.output_times(), &[44, 44]);
    // + BDOS cost + RET (10) + JP WBOOT at 0x0000 (10).
    assert_eq!(cpm.cpu.cycles, 44 + u64::from(DEFAULT_BDOS_COST) + 10 + 10);
}

#[test]
fn bdos_cost_is_configurable() {
    let mut p = bdos(2, u16::from(b'A'));
    p.extend(bdos(2, u16::from(b'B')));
    p.push(0xc9);
    let cfg = CpmConfig {
        bdos_cost: 100,
        ..CpmConfig::default()
    };
    let mut cpm = machine(&p, cfg);
    let mut con = ScriptedConsole::new(b"");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::WarmBoot));
    assert_eq!(con.output(), b"AB");
    let t = con.output_times();
    assert_eq!(t[1] - t[0], 100 + 10 + 7 + 17 + 10);
}

#[test]
fn console_input_echoes_and_stops_when_input_runs_out() {
    // loop: LD C,1 ; CALL 5 ; LD (0x0200),A ; JR loop
    let p = [0x0e, 0x01, 0xcd, 0x05, 0x00, 0x32, 0x00, 0x02, 0x18, 0xf6];
    let mut cpm = machine(&p, CpmConfig::default());
    let mut con = ScriptedConsole::new(b"x");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::InputExhausted));
    assert_eq!(con.output(), b"x");
    assert_eq!(cpm.mem[0x200], b'x');
    // Resume after typing more: the pending call is retried.
    con.push_input(b"y");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::InputExhausted));
    assert_eq!(con.output(), b"xy");
    assert_eq!(cpm.mem[0x200], b'y');
}

/// Run function 10 on a buffer at 0x0200 with max `max`, then RET.
fn read_line(max: u8, keys: &[u8]) -> (Cpm, ScriptedConsole, Result<Exit, CpmError>) {
    let mut p = bdos(10, 0x0200);
    p.push(0xc9);
    let mut cpm = machine(&p, CpmConfig::default());
    cpm.mem[0x200] = max;
    let mut con = ScriptedConsole::new(keys);
    let r = cpm.run(&mut con, BUDGET);
    (cpm, con, r)
}

fn line_text(cpm: &Cpm) -> Vec<u8> {
    let n = usize::from(cpm.mem[0x201]);
    cpm.mem[0x202..0x202 + n].to_vec()
}

#[test]
fn read_line_basic_and_echo() {
    let (cpm, con, r) = read_line(20, b"is it\r");
    assert_eq!(r, Ok(Exit::WarmBoot));
    assert_eq!(line_text(&cpm), b"is it");
    // Only CR is echoed at the end, as the BDOS does.
    assert_eq!(con.output(), b"is it\r");
}

#[test]
fn read_line_ends_when_buffer_full() {
    let (cpm, con, r) = read_line(3, b"abcdef\r");
    assert_eq!(r, Ok(Exit::WarmBoot));
    assert_eq!(line_text(&cpm), b"abc");
    assert_eq!(con.output(), b"abc\r");
    // The keys after the third stay for the next read.
    assert_eq!(con.pending_input(), 4);
}

#[test]
fn read_line_editing_keys() {
    let (cpm, con, _) = read_line(20, b"ab\x08c\r");
    assert_eq!(line_text(&cpm), b"ac");
    assert_eq!(con.output(), b"ab\x08 \x08c\r");
    let (cpm, con, _) = read_line(20, b"ab\x7fc\r");
    assert_eq!(line_text(&cpm), b"ac");
    assert_eq!(con.output(), b"abbc\r");
    let (cpm, con, _) = read_line(20, b"ab\x15cd\r");
    assert_eq!(line_text(&cpm), b"cd");
    assert_eq!(con.output(), b"ab#\r\ncd\r");
    let (cpm, _, _) = read_line(20, b"ab\x18z\r");
    assert_eq!(line_text(&cpm), b"z");
    let (cpm, con, _) = read_line(20, b"a\x01\r");
    assert_eq!(line_text(&cpm), b"a\x01");
    assert_eq!(con.output(), b"a^A\r");
    // ^C as the first key warm-boots.
    let (_, _, r) = read_line(20, b"\x03x\r");
    assert_eq!(r, Ok(Exit::WarmBoot));
}

#[test]
fn read_line_resumes_after_input_runs_out() {
    let (mut cpm, mut con, r) = read_line(20, b"ab");
    assert_eq!(r, Ok(Exit::InputExhausted));
    con.push_input(b"c\r");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::WarmBoot));
    assert_eq!(line_text(&cpm), b"abc");
}

#[test]
fn direct_io_status_and_version() {
    // fn 6 E=FF -> (0x200); fn 11 -> (0x201); fn 12 -> HL at (0x202); fn 6 E='Q'
    let mut p = bdos(6, 0x00ff);
    p.extend([0x32, 0x00, 0x02]);
    p.extend(bdos(11, 0));
    p.extend([0x32, 0x01, 0x02]);
    p.extend(bdos(12, 0));
    p.extend([0x22, 0x02, 0x02]);
    p.extend(bdos(6, u16::from(b'Q')));
    p.push(0xc9);
    let mut cpm = machine(&p, CpmConfig::default());
    let mut con = ScriptedConsole::new(b"");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::WarmBoot));
    assert_eq!(&cpm.mem[0x200..0x204], &[0, 0, 0x22, 0x00]);
    assert_eq!(con.output(), b"Q");

    // With a key typed ahead: status 1 then direct input returns it.
    let mut cpm = machine(&p, CpmConfig::default());
    let mut con = ScriptedConsole::new(b"kz");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::WarmBoot));
    assert_eq!(&cpm.mem[0x200..0x202], &[b'k', 1]);
}

#[test]
fn unsupported_function_is_a_stop_reason() {
    // 33: read random, not served.
    let p = bdos(33, 0x5c);
    let mut cpm = machine(&p, CpmConfig::default());
    let err = cpm.run(&mut ScriptedConsole::new(b""), BUDGET).unwrap_err();
    assert_eq!(
        err,
        CpmError::UnsupportedBdos {
            pc: 0x0105,
            function: 33
        }
    );
}

#[test]
fn write_outside_tpa_is_caught_when_enabled() {
    // LD A,1 ; LD (0xF000),A ; RET
    let p = [0x3e, 0x01, 0x32, 0x00, 0xf0, 0xc9];
    let cfg = CpmConfig {
        check_writes: true,
        ..CpmConfig::default()
    };
    let err = machine(&p, cfg.clone())
        .run(&mut ScriptedConsole::new(b""), BUDGET)
        .unwrap_err();
    assert_eq!(
        err,
        CpmError::WriteOutsideTpa {
            pc: 0x102,
            addr: 0xf000,
            value: 1
        }
    );
    // Off by default.
    let r = machine(&p, CpmConfig::default()).run(&mut ScriptedConsole::new(b""), BUDGET);
    assert_eq!(r, Ok(Exit::WarmBoot));
    // Page zero below 0x5C is protected, the FCB/DMA area is not.
    let p0 = [0x32, 0x10, 0x00, 0x32, 0x80, 0x00, 0xc9];
    let err = machine(&p0[..], cfg.clone())
        .run(&mut ScriptedConsole::new(b""), BUDGET)
        .unwrap_err();
    assert!(matches!(err, CpmError::WriteOutsideTpa { addr: 0x10, .. }));
    let ok = [0x32, 0x80, 0x00, 0xc9];
    assert_eq!(
        machine(&ok, cfg).run(&mut ScriptedConsole::new(b""), BUDGET),
        Ok(Exit::WarmBoot)
    );
}

#[test]
fn stack_floor_and_code_range() {
    // LD SP,0x2000 ; PUSH HL
    let p = [0x31, 0x00, 0x20, 0xe5, 0xc9];
    let cfg = CpmConfig {
        stack_floor: Some(0x2000),
        ..CpmConfig::default()
    };
    let err = machine(&p, cfg)
        .run(&mut ScriptedConsole::new(b""), BUDGET)
        .unwrap_err();
    assert_eq!(
        err,
        CpmError::StackOverflow {
            pc: 0x103,
            sp: 0x1ffe,
            floor: 0x2000
        }
    );
    // JP 0x0200 outside a code range of 0x100..0x110.
    let p = [0xc3, 0x00, 0x02];
    let cfg = CpmConfig {
        code_range: Some(0x100..0x110),
        ..CpmConfig::default()
    };
    let err = machine(&p, cfg)
        .run(&mut ScriptedConsole::new(b""), BUDGET)
        .unwrap_err();
    assert_eq!(
        err,
        CpmError::ExecOutsideCode {
            pc: 0x200,
            start: 0x100,
            end: 0x110
        }
    );
}

#[test]
fn budget_stops_and_resumes() {
    // JR $ (12 T per iteration)
    let p = [0x18, 0xfe];
    let mut cpm = machine(&p, CpmConfig::default());
    let mut con = ScriptedConsole::new(b"");
    assert_eq!(cpm.run(&mut con, 1000), Ok(Exit::Budget));
    assert_eq!(cpm.cpu.cycles, 1008);
    assert_eq!(cpm.run(&mut con, 12), Ok(Exit::Budget));
    assert_eq!(cpm.cpu.cycles, 1020);
}

#[test]
fn halt_without_interrupts_is_reported() {
    let p = [0x00, 0x76];
    let err = machine(&p, CpmConfig::default())
        .run(&mut ScriptedConsole::new(b""), BUDGET)
        .unwrap_err();
    assert_eq!(err, CpmError::Halted { pc: 0x101 });
}

#[test]
fn page_zero_tail_and_fcbs_like_the_ccp() {
    let mut cpm = Cpm::new(CpmConfig::default());
    cpm.load_com(&[0xc9], b"foo b:bar.txt").unwrap();
    let m = &cpm.mem;
    assert_eq!(&m[0..3], &[0xc3, 0x03, 0xf2]);
    assert_eq!(&m[5..8], &[0xc3, 0x06, 0xe4]);
    assert_eq!(m[0x80], 14);
    assert_eq!(&m[0x81..0x8f], b" FOO B:BAR.TXT");
    assert_eq!(&m[0x5c..0x68], b"\0FOO        ");
    assert_eq!(&m[0x6c..0x78], b"\x02BAR     TXT");
    assert_eq!(cpm.cpu.pc, 0x100);
    // The stack holds a 0x0000 return address.
    let sp = usize::from(cpm.cpu.sp);
    assert_eq!(&m[sp..sp + 2], &[0, 0]);
    assert!(cpm.cpu.sp < 0xe406);
    // Wildcards.
    cpm.load_com(&[0xc9], b"*.c").unwrap();
    assert_eq!(&cpm.mem[0x5c..0x68], b"\0????????C  ");
}

#[test]
fn image_must_fit_below_tpa_top() {
    let mut cpm = Cpm::new(CpmConfig {
        tpa_top: 0x1000,
        ..CpmConfig::default()
    });
    let big = vec![0u8; 0x1000];
    assert_eq!(
        cpm.load_com(&big, b""),
        Err(CpmError::ImageTooLarge {
            len: 0x1000,
            max: 0xf00,
            tpa_top: 0x1000
        })
    );
    assert!(cpm.load_com(&big[..0xf00], b"").is_ok());
}
