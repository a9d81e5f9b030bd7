//! CP/M engine, chat input rules on the real binary (spec §9), with the emulator's fault
//! checks on: prompt, empty line, the 62-byte cap, non-ASCII bytes, line editing, CR/LF/CR LF,
//! `!` exit, and single-query mode from the command tail. The shipped example guess model (no
//! `../shared` needed), with the host reference as the oracle.

use boards::machines::cpm::Exit;
use hil::cpm::{build_com, Engine};
use hil::example_model;
use z80lm::engine::Layout;
use z80lm::model::{respond, Model};

fn guess() -> Model {
    let model = example_model("guess");
    for (q, a) in [("is it a chair", "WIN"), ("is it alive", "NO")] {
        assert_eq!(
            respond(&model, q.as_bytes()),
            a.as_bytes(),
            "the example model on {q:?}"
        );
    }
    model
}

#[test]
fn empty_line_prompts_again() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    let r = e.keys(b"\r").expect("no fault");
    assert_eq!(r.output, b"\r\n> ");
    assert_eq!(e.ask(b"is it a chair"), b"WIN");
}

#[test]
fn spaces_only_line_is_answered() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    assert_eq!(e.ask(b"   "), respond(&model, b"   "));
    assert_eq!(
        e.ask(b" !"),
        respond(&model, b" !"),
        "a leading space makes '!' a query"
    );
}

#[test]
fn overlong_line_is_cut_at_62_and_the_rest_discarded() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    let long: Vec<u8> =
        b"is it a chair or is it a table or is it something alive that moves around".to_vec();
    assert!(long.len() > 62);
    let r = e
        .keys(&[long.as_slice(), b"\r"].concat())
        .expect("no fault");
    assert_eq!(&r.output[..62], &long[..62], "only 62 bytes are echoed");
    assert_eq!(&r.output[62..64], b"\r\n");
    assert_eq!(r.response(), respond(&model, &long).as_slice());
    // The rest did not become the next line.
    assert_eq!(e.ask(b"is it alive"), b"NO");
    // A very long line writes nothing outside its buffer (the fault checks would stop it).
    let huge = vec![b'x'; 2000];
    assert_eq!(e.ask(&huge), respond(&model, &huge));
    assert_eq!(e.ask(b"is it a chair"), b"WIN");
}

#[test]
fn non_ascii_bytes_are_hashed_unsigned() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    for q in [
        &b"\xc3\xa9t\xc3\xa9 chair"[..],
        b"\xff\x80\x7e \x01\x02 alive",
        b"IS IT A \xc4\x8cHAIR",
    ] {
        assert_eq!(e.ask(q), respond(&model, q), "query {q:?}");
    }
}

#[test]
fn line_editing_keys() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    let r = e.keys(b"is it a chaxx\x08\x7fir\r").expect("no fault");
    assert_eq!(r.response(), b"WIN", "BS and DEL erase");
    let r = e
        .keys(b"something else\x15is it alive\r")
        .expect("no fault");
    assert_eq!(r.response(), b"NO", "^U kills the line");
    let r = e.keys(b"junk\x18is it a chair\r").expect("no fault");
    assert_eq!(r.response(), b"WIN", "^X kills the line");
}

#[test]
fn cr_lf_and_lf_end_lines() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    let r = e
        .keys(b"is it a chair\r\nis it alive\r\n")
        .expect("no fault");
    let text = String::from_utf8_lossy(&r.output).into_owned();
    assert_eq!(
        text, "is it a chair\r\nWIN\r\n> is it alive\r\nNO\r\n> ",
        "CR LF is one line end"
    );
    let r = e.keys(b"is it a chair\n").expect("no fault");
    assert_eq!(r.response(), b"WIN", "LF alone ends a line");
}

#[test]
fn bang_exits_to_cpm() {
    let model = guess();
    let mut e = Engine::boot(&model, &Layout::Auto);
    let r = e.keys(b"!quit\r").expect("no fault");
    assert_eq!(r.exit, Exit::WarmBoot);
}

#[test]
fn command_tail_answers_once_and_exits() {
    let model = guess();
    let built = build_com(&model, &Layout::Auto);
    // The CCP passes " IS IT A CHAIR" (upper case, with the separating space).
    let e = Engine::boot_built(built.clone(), b" IS IT A CHAIR");
    assert_eq!(e.banner.output, b"WIN\r\n");
    assert_eq!(e.banner.exit, Exit::WarmBoot);
    let e = Engine::boot_built(built, b" IS IT ALIVE");
    assert_eq!(e.banner.output, b"NO\r\n");
}
