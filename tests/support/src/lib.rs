//! What every test crate of the workspace shares: where `../shared` and the shipped examples are,
//! reading vector files, probing external tools and Python modules, and skipping.
//!
//! A check that needs something this machine lacks (a file of `../shared`, a tool, a Python
//! module) gets a [`Missing`] and hands it to [`require!`], which skips the test with the reason
//! printed on stderr, or, in CI (`CI=true` or `Z80LM_REQUIRE_ALL=1`), fails it naming what was
//! missing. Only absence is a skip: a file that exists but cannot be read or parsed, a tool that
//! runs and fails, are failures (these functions panic with the reason).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Something a check needs that this machine lacks, with where to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing(pub String);

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// True when every check must run: `CI=true` (as CI services set it) or `Z80LM_REQUIRE_ALL=1`.
pub fn require_all() -> bool {
    let set = |name: &str, want: &[&str]| {
        std::env::var(name).is_ok_and(|v| want.contains(&v.to_ascii_lowercase().as_str()))
    };
    set("CI", &["true", "1"]) || set("Z80LM_REQUIRE_ALL", &["1", "true"])
}

/// The test this thread runs (libtest names its threads after the tests).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string()
}

/// Skips the current check because `missing` is absent: in CI a panic naming it; otherwise one
/// line on stderr, written past libtest's capture so it shows in a plain `cargo test`.
#[track_caller]
pub fn skip(missing: &Missing) {
    let test = test_name();
    if require_all() {
        panic!(
            "{test}: a required check did not run: {missing} \
             (CI=true or Z80LM_REQUIRE_ALL=1 makes every skip a failure; .ci/run installs everything)"
        );
    }
    let _ = writeln!(std::io::stderr(), "skipped {test}: {missing}");
}

/// The value of a `Result<T, Missing>`, or [`skip`] and `return` from the calling test.
#[macro_export]
macro_rules! require {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(missing) => {
                $crate::skip(&missing);
                return;
            }
        }
    };
}

/// The workspace root (the directory of the top `Cargo.toml`).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .expect("tests/support sits two levels below the root")
        .to_path_buf()
}

/// `../shared` beside the project (upstream models, public vectors, the spec); in CI it is there,
/// a fresh clone does not have it. `Z80LM_SHARED` names another place (a path that does not
/// exist runs the suite as a fresh clone would).
pub fn shared() -> Result<PathBuf, Missing> {
    let p =
        std::env::var_os("Z80LM_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from);
    if p.is_dir() {
        Ok(p)
    } else {
        Err(Missing(format!(
            "../shared (the upstream models and public vectors) is not at {}",
            p.display()
        )))
    }
}

/// A file of `../shared`, e.g. `data/guess/model.npz`; missing when it or `../shared` is absent.
pub fn shared_file(rel: &str) -> Result<PathBuf, Missing> {
    let p = shared()?.join(rel);
    if p.exists() {
        Ok(p)
    } else {
        Err(Missing(format!("../shared/{rel} not found")))
    }
}

/// The upstream model `name` (`guess`, `tinychat`) in `../shared/data`.
pub fn shared_model_path(name: &str) -> Result<PathBuf, Missing> {
    shared_file(&format!("data/{name}/model.npz"))
}

/// A model this project trained and ships, `examples/<name>/model.npz` (always in the clone).
pub fn example_model_path(name: &str) -> PathBuf {
    let p = root().join("examples").join(name).join("model.npz");
    assert!(p.is_file(), "{} is part of the repository", p.display());
    p
}

/// One test vector: the raw prompt line and the exact response (spec §12).
pub type Vector = (Vec<u8>, Vec<u8>);

/// Parses a vector file (spec §12): one `prompt<TAB>response` a line, split at the first TAB,
/// nothing trimmed, `#` lines are comments. A line without a TAB, or with a CR (the file was
/// saved with CRLF line ends), is an error naming the line.
pub fn parse_vectors(text: &[u8]) -> Result<Vec<Vector>, String> {
    let mut out = Vec::new();
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    if body.is_empty() {
        return Ok(out);
    }
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        if line.first() == Some(&b'#') {
            continue;
        }
        if line.contains(&b'\r') {
            return Err(format!("line {n}: a CR (CRLF line ends?)"));
        }
        let Some(tab) = line.iter().position(|&b| b == b'\t') else {
            return Err(format!(
                "line {n}: no TAB between prompt and response: {:?}",
                String::from_utf8_lossy(line)
            ));
        };
        out.push((line[..tab].to_vec(), line[tab + 1..].to_vec()));
    }
    Ok(out)
}

/// The vectors of the file at `path`; a file that cannot be read or parsed fails the test.
pub fn read_vectors(path: &Path) -> Vec<Vector> {
    let text =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let v = parse_vectors(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!v.is_empty(), "{} holds no vectors", path.display());
    v
}

/// The public vectors `../shared/vectors/<name>.tsv`.
pub fn shared_vectors(name: &str) -> Result<Vec<Vector>, Missing> {
    Ok(read_vectors(&shared_file(&format!("vectors/{name}.tsv"))?))
}

/// The prompts of `tests/prompts/<name>.txt` for the shipped example `name`: one raw line each
/// (nothing trimmed), `#` lines are comments. Their answers come from the host reference.
pub fn example_prompts(name: &str) -> Vec<Vec<u8>> {
    let path = root().join("tests/prompts").join(format!("{name}.txt"));
    let text =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    let prompts: Vec<Vec<u8>> = body
        .split(|&b| b == b'\n')
        .filter(|l| l.first() != Some(&b'#'))
        .map(<[u8]>::to_vec)
        .collect();
    assert!(!prompts.is_empty(), "{} holds no prompts", path.display());
    prompts
}

/// Directories searched for tools: `PATH`, then `/usr/games` (where Debian puts MAME).
fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push("/usr/games".into());
    dirs
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The external program `name` (on `PATH` or in `/usr/games`); `package` says where it comes
/// from (e.g. "Debian lrzsz").
pub fn tool(name: &str, package: &str) -> Result<PathBuf, Missing> {
    search_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
        .ok_or_else(|| Missing(format!("`{name}` is not installed ({package})")))
}

/// `python3` able to import `module` (from the PyPI package `package`). A Python that starts
/// but fails on the import for another reason than the module's absence fails the test.
pub fn python_module(module: &str, package: &str) -> Result<PathBuf, Missing> {
    let python = tool("python3", "Debian python3")?;
    let out = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    if out.status.success() {
        return Ok(python);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ModuleNotFoundError") && err.contains(&format!("'{module}'")) {
        return Err(Missing(format!(
            "the Python module `{module}` is not installed (PyPI {package})"
        )));
    }
    panic!("python3 -c 'import {module}' failed:\n{err}");
}

/// A fresh, empty scratch directory for one test (`name` keeps tests apart, the process id
/// keeps concurrent runs apart).
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("z80lm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("cannot create {}: {e}", d.display()));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_split_at_the_first_tab_and_keep_spaces() {
        let v = parse_vectors(b"# c\n a b \t x\ty \n\tEMPTY PROMPT\nno answer\t\n").unwrap();
        assert_eq!(
            v,
            [
                (b" a b ".to_vec(), b" x\ty ".to_vec()),
                (b"".to_vec(), b"EMPTY PROMPT".to_vec()),
                (b"no answer".to_vec(), b"".to_vec()),
            ]
        );
    }

    #[test]
    fn bad_vector_lines_are_errors_with_the_line() {
        assert_eq!(
            parse_vectors(b"a\tb\nnotab\n").unwrap_err(),
            "line 2: no TAB between prompt and response: \"notab\""
        );
        assert!(parse_vectors(b"a\tb\r\n")
            .unwrap_err()
            .starts_with("line 1: a CR"));
        assert!(parse_vectors(b"a\tb\n\n")
            .unwrap_err()
            .starts_with("line 2: no TAB"));
    }

    #[test]
    fn a_missing_tool_is_missing_and_names_its_package() {
        let e = tool("z80lm-no-such-tool", "Debian nothing").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`z80lm-no-such-tool` is not installed (Debian nothing)"
        );
    }

    #[test]
    fn the_root_has_the_workspace_manifest() {
        let m = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        assert!(m.contains("[workspace]"));
    }
}
