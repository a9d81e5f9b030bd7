#!/usr/bin/env bash
# Builds the browser page's WebAssembly (web/pkg/z80lm.wasm) with Debian's Rust for the web
# (apt: rustc-web cargo-web rust-web-src lld): the rustup toolchain here has no wasm32 standard
# library, so std is compiled from rust-web-src (-Zbuild-std; RUSTC_BOOTSTRAP allows the
# unstable flag on the stable compiler) and linked with lld's wasm-ld. The page is then
# web/index.html, web/app.js and web/pkg/ served as static files (README: "Try it in a browser").
#
#   web/build.sh    release build into web/pkg/z80lm.wasm, the example models into web/pkg/models,
#                   C-BIOS (the MSX's ROMs) into web/pkg/cbios
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in /usr/bin/cargo /usr/bin/rustc wasm-ld; do
  command -v "$tool" >/dev/null || {
    echo "error: $tool is missing (apt-get install rustc-web cargo-web rust-web-src lld)" >&2
    exit 1
  }
done

# Debian's cargo and rustc, never the rustup ones earlier on PATH; their own target directory.
export RUSTC=/usr/bin/rustc
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-C linker=wasm-ld"
export CARGO_TARGET_DIR=${Z80LM_WEB_TARGET:-target/web}
# Small and fast: no debug info, abort on panic (the page shows the message it logged), one
# optimised unit across crates.
export CARGO_PROFILE_RELEASE_DEBUG=false
export CARGO_PROFILE_RELEASE_STRIP=true
export CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_LTO=true
/usr/bin/cargo build --locked --release -p z80lm-web \
  -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown

mkdir -p web/pkg
cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/z80lm_web.wasm" web/pkg/z80lm.wasm.part
mv web/pkg/z80lm.wasm.part web/pkg/z80lm.wasm
# The shipped example models, for the page's model list.
rm -rf web/pkg/models
mkdir -p web/pkg/models
names=()
for m in examples/*/model.npz; do
  name=$(basename "$(dirname "$m")")
  cp "$m" "web/pkg/models/$name.npz"
  names+=("\"$name\"")
done
(IFS=,; echo "[${names[*]}]") > web/pkg/models/index.json
# C-BIOS for the page's MSX (BSD-2-Clause, free to redistribute with its notice): from
# $Z80LM_CBIOS_DIR or Debian's cbios, as the native MSX emulator takes it.
rm -rf web/pkg/cbios
for dir in "${Z80LM_CBIOS_DIR:-}" /usr/share/cbios; do
  if [[ -n $dir && -f $dir/cbios_main_msx1.rom && -f $dir/cbios_logo_msx1.rom ]]; then
    mkdir -p web/pkg/cbios
    cp "$dir/cbios_main_msx1.rom" "$dir/cbios_logo_msx1.rom" web/pkg/cbios/
    if [[ -f /usr/share/doc/cbios/copyright ]]; then
      cp /usr/share/doc/cbios/copyright web/pkg/cbios/COPYRIGHT
    fi
    break
  fi
done
[[ -d web/pkg/cbios ]] || echo "warning: no C-BIOS (apt-get install cbios): the page's MSX will say it is missing" >&2
echo "wrote web/pkg/z80lm.wasm ($(stat -c %s web/pkg/z80lm.wasm) bytes)"
