//! `.ci/check-tools`, which `.ci/run` runs after installing the packages: with everything the
//! tests use present it passes; on a machine where a promised program is missing (a PATH
//! without it), a Python without the PyPI packages, or without `../shared`, it fails naming
//! what is missing, so CI cannot pass by skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hil::{require, Missing};

fn script() -> PathBuf {
    testsupport::root().join(".ci/check-tools")
}

/// `check-tools ARG`'s stdout lines.
fn list(arg: &str) -> Vec<String> {
    let out = Command::new(script())
        .arg(arg)
        .output()
        .expect("check-tools runs");
    assert!(out.status.success(), "check-tools {arg}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// A directory standing in for PATH: a link to each program the check looks for (found on this
/// machine), except `without`, plus `bash`; `python3` runs the real interpreter with
/// `python_flags` (`-S` hides the installed PyPI packages).
fn farm(name: &str, without: &str, python_flags: &str) -> Result<PathBuf, Missing> {
    let dir = testsupport::scratch(name);
    let python = testsupport::tool("python3", "Debian python3")?;
    let out = Command::new(&python)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    let real = String::from_utf8(out.stdout).unwrap().trim().to_string();
    for cmd in list("--commands") {
        let found = testsupport::tool(&cmd, "see .ci/check-tools")?;
        if cmd == without {
            continue;
        }
        if cmd == "python3" {
            write_script(
                &dir.join(&cmd),
                &format!("exec {real} {python_flags} \"$@\""),
            );
        } else {
            std::os::unix::fs::symlink(&found, dir.join(&cmd)).unwrap();
        }
    }
    let bash = testsupport::tool("bash", "Debian bash")?;
    std::os::unix::fs::symlink(bash, dir.join("bash")).unwrap();
    Ok(dir)
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn check(path: &Path, shared: &Path) -> Output {
    Command::new(script())
        .env("PATH", path)
        .env("Z80LM_SHARED", shared)
        .output()
        .expect("check-tools runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn everything_present_passes() {
    let shared = require!(testsupport::shared());
    let dir = require!(farm("check-all", "", ""));
    let o = check(&dir, &shared);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "all tools, Python modules and ../shared are present\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_program_fails_naming_it_and_its_package() {
    let shared = require!(testsupport::shared());
    let dir = require!(farm("check-no-sx", "sx", ""));
    let o = check(&dir, &shared);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        "error: 1 of what the tests use is missing:\n  missing: program `sx` (apt lrzsz)\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_python_without_the_pypi_packages_fails_naming_each() {
    let shared = require!(testsupport::shared());
    let dir = require!(farm("check-no-pip", "", "-S"));
    let o = check(&dir, &shared);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for m in ["numpy", "z80", "cpm80", "pyboy", "skoolkit"] {
        assert!(
            err.contains(&format!("missing: Python module `{m}` (pip {m})")),
            "{m}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_shared_beside_the_project_fails() {
    let dir = require!(farm("check-no-shared", "", ""));
    let o = check(&dir, Path::new("/nonexistent/shared"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "missing: ../shared (upstream models and public vectors) at /nonexistent/shared"
        ),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ci_runs_the_check_and_installs_what_it_lists() {
    let run = std::fs::read_to_string(testsupport::root().join(".ci/run")).unwrap();
    let check = run
        .find("\n.ci/check-tools\n")
        .expect(".ci/run runs .ci/check-tools");
    let test = run
        .find("cargo test --workspace")
        .expect(".ci/run runs the tests");
    assert!(check < test, "the check comes before the tests");
    assert!(run.contains("done < <(.ci/check-tools --apt)"));
    assert!(run.contains("done < <(.ci/check-tools --pip)"));
}
