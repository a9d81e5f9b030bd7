// The page: loads pkg/z80lm.wasm (web/src, built by web/build.sh), builds the chosen model for
// the chosen target with the project's own build path, and runs the image on the emulated
// board at the board's clock (or as fast as it goes), with a terminal for CP/M and the RC2014,
// the screen for the Game Boy and the ZX Spectrum, and the MSX's text screen (as text). No
// framework, no server of ours.
"use strict";

const TARGETS = {
  0: { name: "cpm", kind: "term" },
  1: { name: "rc2014-512k", kind: "term" },
  2: { name: "rc2014-classic", kind: "term" },
  3: { name: "gb", kind: "screen" },
  4: { name: "zx48", kind: "screen" },
  5: { name: "msx", kind: "text" },
};
const STATUS = { RUNNING: 0, WAITING: 1, ENDED: 2, STOPPED: 3, NONE: 4 };
// Game Boy buttons by keyboard key (the page's joypad has the same numbers).
const GB_KEYS = { ArrowRight: 0, ArrowLeft: 1, ArrowUp: 2, ArrowDown: 3, x: 4, z: 5, Shift: 6, Enter: 7 };

const $ = (id) => document.getElementById(id);
let wasm = null;
const models = {}; // name -> bytes
let running = false;
let waiting = false;
let target = 0;
let lastFrame = 0;
// Emulator speed: T-states run and the wall time the runs took.
let ranT = 0;
let ranMs = 0;

// ---- the ABI (web/src/lib.rs, mod abi) ----

function outBytes() {
  return new Uint8Array(wasm.memory.buffer, wasm.out_ptr(), wasm.out_len()).slice();
}
function outText() {
  return new TextDecoder().decode(outBytes());
}
function toInbox(bytes) {
  const p = wasm.inbox(bytes.length);
  new Uint8Array(wasm.memory.buffer, p, bytes.length).set(bytes);
}
function check(code, what) {
  if (code !== 0) throw new Error(`${what}: ${outText()}`);
}

// ---- status line ----

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

// ---- terminal (CP/M, RC2014): CR, LF, BS and printable bytes ----

const term = { lines: [""], col: 0 };
function termReset() {
  term.lines = [""];
  term.col = 0;
  termDraw();
}
function termWrite(bytes) {
  for (const b of bytes) {
    const n = term.lines.length - 1;
    if (b === 10) {
      term.lines.push("");
      if (term.lines.length > 2000) term.lines.splice(0, 1000);
    } else if (b === 13) {
      term.col = 0;
    } else if (b === 8) {
      term.col = Math.max(0, term.col - 1);
    } else if (b >= 32 && b < 127) {
      const line = term.lines[n].padEnd(term.col);
      term.lines[n] = line.slice(0, term.col) + String.fromCharCode(b) + line.slice(term.col + 1);
      term.col++;
    }
  }
}
function termDraw() {
  const el = $("term");
  const n = term.lines.length - 1;
  const last = term.lines[n].padEnd(term.col + 1);
  el.textContent = term.lines.slice(0, n).join("\n") + (n ? "\n" : "") + last.slice(0, term.col);
  const cur = document.createElement("span");
  cur.className = "cursor";
  cur.textContent = last[term.col];
  el.append(cur, last.slice(term.col + 1));
  el.scrollTop = el.scrollHeight;
}

// ---- screen (Game Boy, ZX Spectrum) ----

function drawScreen() {
  const wh = wasm.screen();
  const w = wh >>> 16;
  const h = wh & 0xffff;
  if (!w) return;
  const c = $("screen");
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
    const scale = w > 200 ? 2 : 3;
    c.style.width = `${w * scale}px`;
    c.style.height = `${h * scale}px`;
  }
  const px = new Uint8ClampedArray(wasm.memory.buffer, wasm.out_ptr(), w * h * 4);
  c.getContext("2d").putImageData(new ImageData(px.slice(), w, h), 0, 0);
}

// ---- running ----

function stats() {
  const clock = wasm.stat(4);
  const last = wasm.stat(1);
  const sum = wasm.stat(2);
  const count = wasm.stat(3);
  const mhz = (clock / 1e6).toFixed(clock % 1e6 ? 4 : 0);
  let s = `T-states: ${Math.round(wasm.stat(0)).toLocaleString("en")} at ${mhz} MHz`;
  if (count) {
    const avg = sum / count;
    s += ` · per character: last ${last.toLocaleString("en")}, average ${Math.round(avg).toLocaleString("en")}` +
      ` over ${count} (${((avg / clock) * 1000).toFixed(1)} ms each on the real board)`;
  }
  if (ranMs > 0) {
    const rate = ranT / (ranMs / 1000);
    s += ` · emulator: ${(rate / 1e6).toFixed(1)} M T-states/s = ${(rate / 4e6).toFixed(1)}× a 4 MHz Z80`;
  }
  $("stats").textContent = s;
}

function runFor(budget) {
  const t0 = performance.now();
  const before = wasm.stat(0);
  const st = wasm.run(budget);
  ranMs += performance.now() - t0;
  ranT += wasm.stat(0) - before;
  return st;
}

function tick(now) {
  if (!running) return;
  try {
    step(now);
  } catch (e) {
    // A trap in the WebAssembly (a bug: the page cannot go on with this board).
    running = false;
    $("status").dataset.state = "error";
    status(`error: the emulator failed (${e.message}); reload the page to start again`, true);
  }
  if (running) requestAnimationFrame(tick);
}

function step(now) {
  const dt = Math.min(now - lastFrame, 50);
  lastFrame = now;
  let st = STATUS.RUNNING;
  if (!waiting) {
    if ($("fast").checked) {
      const t0 = performance.now();
      do {
        st = runFor(1e6);
      } while (st === STATUS.RUNNING && performance.now() - t0 < 15);
    } else {
      st = runFor((dt / 1000) * wasm.stat(4));
    }
  }
  afterRun(st);
}

function afterRun(st) {
  const kind = TARGETS[target].kind;
  if (kind === "term") {
    wasm.take_output();
    const out = outBytes();
    if (out.length) {
      termWrite(out);
      termDraw();
    }
  } else if (kind === "text") {
    wasm.screen_text();
    const text = outText();
    if ($("term").textContent !== text) $("term").textContent = text;
  } else {
    drawScreen();
  }
  stats();
  waiting = st === STATUS.WAITING;
  if (st === STATUS.ENDED) {
    running = false;
    status("The program ended. Reset starts it again.");
  } else if (st === STATUS.STOPPED) {
    running = false;
    status(`The emulated board stopped: ${outText()}`, true);
  } else if (st === STATUS.RUNNING || st === STATUS.WAITING) {
    $("status").dataset.state = "running";
  }
}

function start() {
  running = true;
  waiting = false;
  lastFrame = performance.now();
  requestAnimationFrame(tick);
}

// A byte typed on the board; false if it has no key there.
function typeByte(b) {
  const ok = wasm.key(b) === 1;
  waiting = false;
  return ok;
}

// ---- build ----

async function modelBytes() {
  const f = $("model-file").files[0];
  if (f) return new Uint8Array(await f.arrayBuffer());
  const name = $("model").value;
  if (!models[name]) {
    const r = await fetch(`pkg/models/${name}.npz`);
    if (!r.ok) throw new Error(`cannot fetch the model ${name}: HTTP ${r.status}`);
    models[name] = new Uint8Array(await r.arrayBuffer());
  }
  return models[name];
}

// C-BIOS for the MSX, main ROM then logo ROM (web/build.sh copies them from Debian's cbios).
async function cbios() {
  const parts = [];
  for (const f of ["cbios_main_msx1.rom", "cbios_logo_msx1.rom"]) {
    const r = await fetch(`pkg/cbios/${f}`);
    if (!r.ok) throw new Error(`the MSX needs C-BIOS, and this page was built without it (pkg/cbios/${f}: HTTP ${r.status}; install Debian's cbios and run web/build.sh)`);
    parts.push(new Uint8Array(await r.arrayBuffer()));
  }
  const all = new Uint8Array(parts[0].length + parts[1].length);
  all.set(parts[0]);
  all.set(parts[1], parts[0].length);
  return all;
}

async function buildAndRun() {
  running = false;
  $("download").disabled = true;
  $("reset").disabled = true;
  $("status").dataset.state = "building";
  target = Number($("target").value);
  try {
    status("Loading the model…");
    toInbox(await modelBytes());
    check(wasm.set_model(), "model");
    const warning = outText();
    if (target === 4) {
      const rom = $("rom-file").files[0];
      if (!rom) throw new Error("the ZX Spectrum needs its 48K ROM (48.rom): choose the file first");
      toInbox(new Uint8Array(await rom.arrayBuffer()));
      check(wasm.set_rom48(), "ROM");
    }
    if (target === 5) {
      toInbox(await cbios());
      check(wasm.set_cbios(), "C-BIOS");
    }
    status(`Building for ${TARGETS[target].name}…`);
    await new Promise((r) => setTimeout(r, 20)); // let the status show
    const t0 = performance.now();
    check(wasm.build(target), "build");
    const size = wasm.out_len();
    const ms = performance.now() - t0;
    wasm.report();
    $("report").textContent = outText();
    wasm.file_name();
    const name = outText();
    check(wasm.boot(), "boot");
    ranT = 0;
    ranMs = 0;
    showBoard();
    status(`Built ${name} (${size.toLocaleString("en")} bytes) in ${(ms / 1000).toFixed(1)} s; running.` +
      (warning ? ` Warning: ${warning}` : ""));
    $("download").disabled = false;
    $("reset").disabled = false;
    start();
  } catch (e) {
    $("status").dataset.state = "error";
    status(`error: ${e.message}`, true);
  }
}

function showBoard() {
  const kind = TARGETS[target].kind;
  $("term").hidden = kind !== "term" && kind !== "text";
  $("screen-box").hidden = kind !== "screen";
  $("pad").hidden = target !== 3;
  termReset();
  if (kind === "text") $("term").textContent = "";
  const help = {
    term: "Click the terminal and type; Enter sends the line. A line starting with ! ends the program.",
    gb: "Joypad: the buttons, or arrows, X = A, Z = B, Shift = Select, Enter = Start. The box below types a whole line on the cartridge's on-screen keyboard with joypad presses.",
    zx: "Click the screen and type on the Spectrum's keyboard (Enter sends), or use the box below. The ROM loads the tape first (LOAD \"\" is typed for you).",
    msx: "The MSX's 40-column text screen, read back from the VDP. Click it and type on the MSX's keyboard (Enter sends). C-BIOS shows its logo first.",
  };
  $("keys-help").textContent = target === 3 ? help.gb : target === 4 ? help.zx : target === 5 ? help.msx : help.term;
  (kind === "screen" ? $("screen") : $("term")).focus();
}

function download() {
  wasm.file();
  const bytes = outBytes();
  wasm.file_name();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  a.download = outText();
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function reset() {
  check(wasm.boot(), "boot");
  showBoard();
  status("Reset; running.");
  ranT = 0;
  ranMs = 0;
  start();
}

// ---- input ----

function termKey(e) {
  if (!running && !waiting) return;
  let b = null;
  if (e.key === "Enter") b = 13;
  else if (e.key === "Backspace") b = 8;
  else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey) b = e.key.charCodeAt(0);
  if (b === null || b > 126) return;
  e.preventDefault();
  typeByte(b);
}

function screenKey(e, down) {
  if (target === 3) {
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (k in GB_KEYS) {
      e.preventDefault();
      if (!e.repeat) wasm.button(GB_KEYS[k], down ? 1 : 0);
    }
  } else if (down) {
    termKey(e);
  }
}

function sendLine(e) {
  e.preventDefault();
  const text = $("line").value;
  if (wasm.stat(6) === 0) {
    status("The cursor was moved with the joypad: the line box cannot tell where it is. Reset to use it again.", true);
    return;
  }
  const skipped = [];
  for (const ch of text) {
    const b = ch.charCodeAt(0);
    if (b > 126 || !typeByte(b)) skipped.push(ch);
  }
  typeByte(13);
  $("line").value = "";
  if (skipped.length) status(`No key for ${JSON.stringify(skipped.join(""))} on this board; left out.`, true);
}

// ---- start-up ----

async function init() {
  const bytes = await (await fetch("pkg/z80lm.wasm")).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, {});
  wasm = instance.exports;
  const list = await (await fetch("pkg/models/index.json")).json();
  for (const name of list) $("model").append(new Option(`examples/${name}`, name));
  $("model").value = list.includes("guess") ? "guess" : list[0];
  $("target").addEventListener("change", () => {
    $("rom-row").hidden = $("target").value !== "4";
  });
  $("build").addEventListener("click", buildAndRun);
  $("download").addEventListener("click", download);
  $("reset").addEventListener("click", reset);
  $("term").addEventListener("keydown", termKey);
  $("term").addEventListener("paste", (e) => {
    e.preventDefault();
    for (const ch of e.clipboardData.getData("text")) typeByte(ch === "\n" ? 13 : ch.charCodeAt(0));
  });
  $("screen").addEventListener("keydown", (e) => screenKey(e, true));
  $("screen").addEventListener("keyup", (e) => screenKey(e, false));
  $("line-form").addEventListener("submit", sendLine);
  for (const btn of document.querySelectorAll("#pad button")) {
    const b = Number(btn.dataset.b);
    btn.addEventListener("pointerdown", () => wasm.button(b, 1));
    for (const ev of ["pointerup", "pointerleave"]) btn.addEventListener(ev, () => wasm.button(b, 0));
  }
  status("Ready: pick a model and a target, then Build and run.");
  $("status").dataset.state = "ready";
}

// For the browser tests and the curious: the screen as text, and the figures.
window.z80lm = {
  screenText() {
    wasm.screen_text();
    return outText();
  },
  terminalText: () => term.lines.join("\n"),
  stat: (i) => wasm.stat(i),
  speed: () => (ranMs > 0 ? ranT / (ranMs / 1000) : 0),
};

init().catch((e) => {
  $("status").dataset.state = "error";
  status(`error: cannot start: ${e.message}`, true);
});
