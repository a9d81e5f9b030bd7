//! Independent check: the MSX cartridge of the upstream guess model on openMSX (Debian
//! `openmsx`) with its `C-BIOS_MSX1` machine (Debian `cbios`), headless, driven through
//! openMSX's `-control stdio` Tcl interface: it boots, "is it a chair" is typed with openMSX's
//! own `type` command, and the screen text (`get_screen`) shows WIN under the question.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hil::{require, shared_model};
use testsupport::{scratch, tool};
use z80lm::engine::targets::msx;
use z80lm::engine::Layout;

/// openMSX under `-control stdio`: commands in, `<reply>` texts out.
struct OpenMsx {
    child: Child,
    stdin: ChildStdin,
    replies: mpsc::Receiver<String>,
}

/// The text of an XML reply, entities decoded.
fn unescape(s: &str) -> String {
    s.replace("&#x0a;", "\n")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

impl OpenMsx {
    fn start(exe: &std::path::Path, rom: &std::path::Path) -> OpenMsx {
        let mut child = Command::new(exe)
            .args(["-machine", "C-BIOS_MSX1", "-carta"])
            .arg(rom)
            .args(["-romtype", "ASCII8", "-control", "stdio"])
            .env("SDL_VIDEODRIVER", "dummy")
            .env("SDL_AUDIODRIVER", "dummy")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openmsx starts");
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            // A reply may span lines: collect from <reply ...> to </reply>.
            let mut cur: Option<String> = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut rest = line.as_str();
                if cur.is_none() {
                    if let Some(i) = rest.find("<reply") {
                        let body = &rest[i..];
                        let j = body.find('>').map_or(body.len(), |j| j + 1);
                        cur = Some(String::new());
                        rest = &body[j..];
                    } else {
                        continue;
                    }
                }
                let c = cur.as_mut().unwrap();
                if let Some(end) = rest.find("</reply>") {
                    c.push_str(&rest[..end]);
                    let _ = tx.send(unescape(c));
                    cur = None;
                } else {
                    c.push_str(rest);
                    c.push('\n');
                }
            }
        });
        writeln!(stdin, "<openmsx-control>").unwrap();
        OpenMsx {
            child,
            stdin,
            replies,
        }
    }

    fn command(&mut self, cmd: &str) -> String {
        let esc = cmd
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        writeln!(self.stdin, "<command>{esc}</command>").unwrap();
        self.stdin.flush().unwrap();
        self.replies
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no reply from openMSX to {cmd:?}"))
    }

    /// Polls the screen until `done` says so; panics with the screen after `secs` seconds.
    fn wait_screen(&mut self, secs: u64, done: impl Fn(&[&str]) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.command("get_screen");
            let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
            if done(&lines) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "openMSX screen after {secs} s:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for OpenMsx {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "<command>exit</command>");
        let _ = self.stdin.flush();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn openmsx_with_cbios_answers_win_for_a_chair() {
    let exe = require!(tool("openmsx", "openmsx"));
    let model = require!(shared_model("guess"));
    let cart = msx::build(&model, &Layout::Auto).expect("builds");
    let dir = scratch("msx-openmsx");
    let rom = dir.join("CHAT.rom");
    std::fs::write(&rom, &cart.rom).unwrap();
    let mut om = OpenMsx::start(&exe, &rom);
    om.command("set renderer none");
    om.command("set throttle off");
    om.command("set power on");
    om.wait_screen(60, |l| l.first() == Some(&">"));
    // C-BIOS starts scanning the keyboard some 5 s after power-on (its scan counter counts down
    // from the RAM's power-on value first); type after that.
    let start = Instant::now();
    while om
        .command("machine_info time")
        .parse::<f64>()
        .unwrap_or(0.0)
        < 8.0
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "openMSX time stands still"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    om.command("type \"is it a chair\\r\"");
    let screen = om.wait_screen(60, |l| {
        l.iter()
            .position(|x| *x == "> is it a chair")
            .is_some_and(|i| l.get(i + 2) == Some(&">"))
    });
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let i = lines.iter().position(|x| *x == "> is it a chair").unwrap();
    assert_eq!(lines[i + 1], "WIN", "{screen}");
}
