// The page in a real browser: Debian's chromium driven by playwright-core. Serves web/ on
// 127.0.0.1 itself, then for each board: picks the model and the target, builds, types the
// question and waits for the answer the host reference gave (host/tests/web_page.rs computes
// it and runs this script). Saves a screenshot per board and the downloaded CP/M image.
//
//   node web/tests/browser.mjs --out DIR --question TEXT --answer TEXT [--rom48 FILE] [--msx yes]
//
// Prints one line per board ("ok cpm ...") and a last line of JSON figures; exits 1 naming the
// first check that failed.
import { createServer } from "node:http";
import { readFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, extname, resolve, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const need of ["out", "question", "answer"]) {
  if (!args[need]) {
    console.error(`usage: node browser.mjs --out DIR --question TEXT --answer TEXT [--rom48 FILE] (missing --${need})`);
    process.exit(2);
  }
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(args.out);
await mkdir(out, { recursive: true });

// ---- a static file server for web/ ----
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = resolve(root, "." + (path.endsWith("/") ? path + "index.html" : path));
  if (!file.startsWith(root + "/") || file.includes("/node_modules/")) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const profile = await mkdtemp(join(tmpdir(), "z80lm-chromium-"));
// A fresh profile (Playwright passes it as --user-data-dir); the flags keep chromium off the
// network it cannot reach here.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.Z80LM_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  acceptDownloads: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
const figures = {};
let failed = null;
const page = context.pages()[0] ?? (await context.newPage());
const logs = [];
page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
page.on("pageerror", (e) => logs.push(`page error: ${e.message}`));

async function state(want, timeout) {
  await page.waitForFunction((w) => document.getElementById("status").dataset.state === w, want, { timeout });
}

// Builds `target` (the <select> value) with the guess example and waits until it runs.
async function boot(target, fast) {
  await page.selectOption("#model", "guess");
  await page.selectOption("#target", String(target));
  await page.setChecked("#fast", fast);
  await page.click("#build");
  await page.waitForFunction(() => ["running", "error"].includes(document.getElementById("status").dataset.state), null, { timeout: 120000 });
  const s = await page.textContent("#status");
  if ((await page.getAttribute("#status", "data-state")) !== "running") throw new Error(`build failed: ${s}`);
  return s;
}

// Waits until `read()` (run in the page) holds the question followed by the answer.
async function answered(read, timeout) {
  await page.waitForFunction(
    ([fn, q, a]) => {
      const text = new Function(`return (${fn})()`)();
      const i = text.lastIndexOf(q);
      return i >= 0 && text.slice(i + q.length).includes(a);
    },
    [read.toString(), args.question, args.answer],
    { timeout, polling: 100 },
  );
}

async function board(name, fn) {
  if (failed) return;
  const t0 = Date.now();
  try {
    await fn();
    // The answer's T-states per character (exact, emulated) and the emulator's speed in this
    // browser (T-states run per second of wall time in the page's run calls, "fast" mode).
    const [perChar, speed] = await page.evaluate(() => [window.z80lm.stat(2) / window.z80lm.stat(3), window.z80lm.speed()]);
    figures[name] = { tstates_per_char: Math.round(perChar), tstates_per_s: Math.round(speed), x_4mhz_z80: +(speed / 4e6).toFixed(1) };
    console.log(
      `ok ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s; ${Math.round(perChar)} T/char; ` +
        `emulator ${(speed / 1e6).toFixed(1)} M T-states/s = ${(speed / 4e6).toFixed(1)}x a 4 MHz Z80)`,
    );
  } catch (e) {
    failed = `${name}: ${e.message.split("\n")[0]}`;
    await page.screenshot({ path: join(out, `${name}-failed.png`) }).catch(() => {});
  }
}

try {
  await page.goto(url);
  await state("ready", 60000);

  await board("cpm", async () => {
    await boot(0, true);
    await page.click("#term");
    await page.keyboard.type(args.question);
    await page.keyboard.press("Enter");
    await answered(() => window.z80lm.terminalText(), 60000);
    await page.screenshot({ path: join(out, "cpm.png") });
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    figures.download_name = dl.suggestedFilename();
    await dl.saveAs(join(out, dl.suggestedFilename()));
  });

  await board("rc2014-classic", async () => {
    await boot(2, true);
    await page.waitForFunction(() => window.z80lm.terminalText().includes("> "), null, { timeout: 60000 });
    await page.click("#term");
    await page.keyboard.type(args.question);
    await page.keyboard.press("Enter");
    await answered(() => window.z80lm.terminalText(), 60000);
    await page.screenshot({ path: join(out, "rc2014-classic.png") });
  });

  await board("gb", async () => {
    await boot(3, true);
    // The line box types on the cartridge's on-screen keyboard with joypad presses.
    await page.fill("#line", args.question);
    await page.click("#send");
    await answered(() => window.z80lm.screenText(), 120000);
    await page.screenshot({ path: join(out, "gb.png") });
  });

  if (args.msx) {
    await board("msx", async () => {
      await boot(5, true);
      // C-BIOS's logo, then the chat's prompt on the 40-column text screen.
      await page.waitForFunction(() => window.z80lm.screenText().split("\n").some((l) => l.startsWith(">")), null, { timeout: 120000 });
      await page.click("#term");
      await page.keyboard.type(args.question);
      await page.keyboard.press("Enter");
      await answered(() => window.z80lm.screenText(), 120000);
      await page.screenshot({ path: join(out, "msx.png") });
    });
  }

  if (args.rom48) {
    await board("zx48", async () => {
      await page.selectOption("#target", "4");
      await page.setInputFiles("#rom-file", args.rom48);
      await boot(4, true);
      // The ROM boots, LOAD "" is typed, the tape loads and the chat shows its prompt.
      // (the screen's text rows lose their trailing spaces)
      await page.waitForFunction(() => window.z80lm.screenText().split("\n").some((l) => l.startsWith(">")), null, { timeout: 120000 });
      await page.click("#screen");
      await page.keyboard.type(args.question);
      await page.keyboard.press("Enter");
      await answered(() => window.z80lm.screenText(), 120000);
      await page.screenshot({ path: join(out, "zx48.png") });
    });
  }
} catch (e) {
  failed ??= e.message.split("\n")[0];
} finally {
  await context.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}
if (failed) {
  console.error(`FAILED ${failed}`);
  for (const l of logs.slice(-20)) console.error(`  ${l}`);
  process.exit(1);
}
console.log(JSON.stringify(figures));
