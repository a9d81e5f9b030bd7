//! `flash` and `term` without `--port`: the only USB serial adapter is used, else the error
//! says there is none (and lists the other ports) or lists the several to choose from;
//! `Z80LM_PORT` still names the port.

mod common;

use std::process::Command;

use common::{tmpdir, BIN};

/// Runs `z80lm args` with no `Z80LM_PORT`: exit code and stderr.
fn without_port(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("Z80LM_PORT")
        .env_remove("Z80LM_BOARD")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn has_usb_port() -> bool {
    let out = Command::new(BIN).arg("ports").output().unwrap();
    String::from_utf8_lossy(&out.stdout).contains("\tUSB")
}

#[test]
fn without_a_usb_adapter_flash_and_term_say_what_to_do() {
    if has_usb_port() {
        testsupport::skip(&testsupport::Missing(
            "a machine without USB serial ports (this one has one, which would be picked)".into(),
        ));
        return;
    }
    let dir = tmpdir("port-cli");
    let file = dir.join("X.COM");
    std::fs::write(&file, [0xC9u8]).unwrap();
    for args in [
        vec!["term"],
        vec![
            "flash",
            "--board",
            "cpm",
            "--via",
            "xmodem",
            file.to_str().unwrap(),
        ],
    ] {
        let (code, err) = without_port(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.starts_with(
                "error: no --port given and no USB serial port found: plug in the USB-serial adapter"
            ),
            "{args:?}: {err}"
        );
        assert!(err.contains("give --port PORT"), "{args:?}: {err}");
    }
    // Z80LM_PORT still names the port (here one that does not exist).
    let out = Command::new(BIN)
        .arg("term")
        .env("Z80LM_PORT", "/dev/z80lm-no-such-port")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("serial port /dev/z80lm-no-such-port not found"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
