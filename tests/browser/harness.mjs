// Shared helpers for the browser tests: the real amsrtc-server and a headless Chromium
// (playwright-core driving /usr/bin/chromium). Run the tests through run.sh, which puts them in a
// loopback-only network namespace.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
export const webRoot = path.join(repoRoot, "examples/web");

export const serverPath =
  process.env.AMSRTC_SERVER || path.resolve(here, "../../build/signaling/server/amsrtc-server");

export const chromiumPath = process.env.AMSRTC_CHROMIUM || "/usr/bin/chromium";

// Exactly the flags from docs/NOTES: loopback ICE, no mDNS candidates, fake 30 fps camera and mic,
// autoplay allowed, and nothing that phones home.
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream=fps=30",
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--autoplay-policy=no-user-gesture-required",
];

/**
 * Start amsrtc-server on a free port serving examples/web. Resolves once it has printed
 * "listening ws://HOST:PORT". Returns {wsBase, httpBase, stderr(), stop()}.
 * Set AMSRTC_SERVER_LOG=1 to copy the server's stderr to ours.
 */
export async function startServer({ args = [], env = {}, timeoutMs = 10_000 } = {}) {
  if (!existsSync(serverPath)) {
    throw new Error(`server binary not found: ${serverPath} (build it, or set AMSRTC_SERVER)`);
  }
  const child = spawn(serverPath, ["--port", "0", "--web-root", webRoot, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stderrText = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderrText += chunk;
    if (process.env.AMSRTC_SERVER_LOG) process.stderr.write(chunk);
  });
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );

  const firstLine = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`server printed nothing in ${timeoutMs} ms\n${stderrText}`)), timeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      lines.on("line", () => {}); // keep draining stdout
      resolve(line);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening\n${stderrText}`));
    });
  });
  const m = /^listening (ws:\/\/\S+?)\/?$/.exec(firstLine.trim());
  if (!m) {
    child.kill("SIGTERM");
    throw new Error(`unexpected first server line: ${JSON.stringify(firstLine)}`);
  }
  const wsBase = m[1];
  return {
    wsBase, // ws://127.0.0.1:PORT
    httpBase: wsBase.replace(/^ws:/, "http:"),
    stderr: () => stderrText,
    exited: () => exited,
    async stop() {
      if (exited) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const result = await exitPromise;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Launch one headless Chromium with a fresh profile. Returns {context, newPage(url), close()}.
 * Pages in the one context share the browser process (cheaper on 2 cores); each page has its
 * own SDK instance, WebSocket and peer connections, which is all the isolation the SDK needs.
 * `extraArgs` go after chromiumArgs (a camera file: fakeCameraArgs()).
 */
export async function launchBrowser({ extraArgs = [] } = {}) {
  const profile = await mkdtemp(path.join(tmpdir(), "amsrtc-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs, ...extraArgs],
  });
  const pageLogs = new Map(); // page -> [console lines]

  return {
    context,
    /** Open url in a new page; the page's console and errors are kept for diagnostics. */
    async newPage(url, name = url) {
      const page = await context.newPage();
      const lines = [];
      pageLogs.set(page, { name, lines });
      const keep = (line) => {
        lines.push(line);
        if (process.env.AMSRTC_PAGE_LOG) console.log(`[${name}] ${line}`);
      };
      page.on("console", (msg) => {
        const where = msg.type() === "error" && msg.location().url ? ` (${msg.location().url})` : "";
        keep(`${msg.type()}: ${msg.text()}${where}`);
      });
      page.on("pageerror", (err) => keep(`pageerror: ${err.message}`));
      page.on("response", (res) => {
        if (res.status() >= 400) keep(`http ${res.status()}: ${res.url()}`);
      });
      await page.goto(url);
      return page;
    },
    /** Console output of every page opened so far (for failure messages). */
    dumpLogs() {
      let text = "";
      for (const { name, lines } of pageLogs.values()) {
        text += `--- console of ${name} ---\n${lines.slice(-80).join("\n")}\n`;
      }
      return text;
    },
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Wait until fn(arg) evaluated in the page returns a truthy value; returns that value.
 * fn must be synchronous: waitForFunction does not await a returned promise (see waitForStats).
 * It is polled every `polling` ms. Throws with `what` in the message on timeout.
 */
export async function waitFor(page, what, fn, arg, { timeoutMs = 15_000, polling = 100 } = {}) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling });
    return await handle.jsonValue();
  } catch (err) {
    if (err && err.name === "TimeoutError") {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    throw err;
  }
}

/**
 * Like waitFor, for a condition on the page's window.amsrtcStats() (which is async: getStats()).
 * page.waitForFunction does not await promises, so the predicate starts one getStats at a time
 * and tests the latest result it has. check(stats, arg) runs in the page; it must be
 * self-contained (it is sent as source text). Returns the stats that passed.
 */
let waitSerial = 0;
export async function waitForStats(page, what, check, arg, options) {
  return waitFor(
    page,
    what,
    ({ key, src, arg }) => {
      const slots = (window.__amsrtcWaits ||= {});
      const slot = (slots[key] ||= { pending: null, value: null });
      if (!slot.pending) {
        slot.pending = window.amsrtcStats().then(
          (s) => { slot.value = s; slot.pending = null; },
          (e) => { slot.value = null; slot.pending = null; console.error("amsrtcStats: " + e); },
        );
      }
      const s = slot.value;
      if (s && (0, eval)("(" + src + ")")(s, arg)) {
        delete slots[key];
        return s;
      }
      return null;
    },
    { key: `w${++waitSerial}`, src: check.toString(), arg },
    options,
  );
}

/** The page's window.amsrtcStats() (stats of the current RTCPeerConnection, or null). */
export function stats(page) {
  return page.evaluate(() => window.amsrtcStats());
}

/** The page's window.amsrtcPeer.state() plus the event, error and signal lists. */
export function peerState(page) {
  return page.evaluate(() => ({
    ...window.amsrtcPeer.state(),
    events: window.amsrtcPeer.events.filter((e) => e !== "pong"),
    errors: window.amsrtcPeer.errors,
    signals: window.amsrtcPeer.signals.filter((s) => s !== "pong"),
  }));
}

/**
 * A fake camera with a detailed, moving picture: Chromium's built-in fake camera draws a few flat
 * shapes that its encoder compresses to 1.1-1.5 Mbit/s at 1280x720 whatever the target, so the
 * bitrate it sends says more about that picture than about the bandwidth it was given. This
 * writes `seconds` of moving SMPTE bars at WIDTHxHEIGHT, 30 fps, as YUV4MPEG (gst-launch-1.0,
 * videotestsrc ! y4menc) into `dir`, and returns the Chromium flag that makes it the fake
 * camera (Chromium loops the file).
 */
export async function fakeCameraArgs(dir, { width = 1280, height = 720, seconds = 3 } = {}) {
  const file = path.join(dir, `camera-${width}x${height}.y4m`);
  await new Promise((resolve, reject) => {
    const child = spawn("gst-launch-1.0", [
      "-q", "videotestsrc", `num-buffers=${seconds * 30}`, "pattern=smpte", "horizontal-speed=6", "!",
      `video/x-raw,format=I420,width=${width},height=${height},framerate=30/1`, "!", "y4menc", "!",
      "filesink", `location=${file}`,
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`y4m camera: ${stderr}`))));
  });
  return [`--use-file-for-fake-video-capture=${file}`];
}

export const buildDir = process.env.AMSRTC_BUILD_DIR || path.resolve(here, "../../build");

/**
 * Start one of the GStreamer programs of tests/browser (built into the build directory) that
 * print one JSON object per line: {"event": NAME} lines go to `events`, every other line is a
 * report, kept in `reports`. Returns {reports, events, latest(), waitFor(), signal(), stop(),
 * stderr}.
 * AMSRTC_PROBE_LOG=1 copies the program's stderr to ours.
 */
function spawnReporter(program, args) {
  const programPath = path.join(buildDir, "tests/browser", program);
  if (!existsSync(programPath)) throw new Error(`not built: ${programPath}`);
  const child = spawn(programPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      GST_PLUGIN_PATH: path.join(buildDir, "gst/plugin"),
      GST_REGISTRY_1_0: path.join(buildDir, "tests/browser/probe-registry.bin"),
    },
  });
  const probe = {
    reports: [], // every report line, parsed, in order
    events: [], // every {"event": NAME} line's NAME, in order
    stderr: "",
    exited: null,
    latest() {
      return this.reports.length ? this.reports[this.reports.length - 1] : null;
    },
    /** Resolves with the first report for which check(report, probe) holds. */
    waitFor(what, check, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.stdout.off("line-parsed", onLine);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${program}: ${what}; last ${JSON.stringify(probe.latest())}`));
        }, timeoutMs);
        const onLine = () => {
          const r = probe.latest();
          if (r && check(r, probe)) {
            clearTimeout(timer);
            child.stdout.off("line-parsed", onLine);
            resolve(r);
          }
        };
        child.stdout.on("line-parsed", onLine);
        onLine();
      });
    },
    /** Sends the program a signal (peer_probe: SIGUSR1 restarts ICE). */
    signal(name) {
      child.kill(name);
    },
    async stop() {
      if (probe.exited) return probe.exited;
      const done = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const result = await done;
      clearTimeout(timer);
      return result;
    },
  };
  child.on("exit", (code, signal) => (probe.exited = { code, signal }));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    probe.stderr += chunk;
    if (process.env.AMSRTC_PROBE_LOG) process.stderr.write(chunk);
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    let value;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    if (value.event) probe.events.push(value.event);
    else probe.reports.push(value);
    child.stdout.emit("line-parsed");
  });
  return probe;
}

/**
 * Start tests/browser/peer_probe.cpp: an amsrtcpeer pipeline joining `streamId` with `codec`
 * (h264 | vp8 | vp9) test sources, which reports (decoded video frames and size, audio buffers,
 * RTP bytes received, errors) every 250 ms, and the event "joined" once the server confirmed its
 * join (probe.joined).
 */
export function startProbe(wsUrl, streamId, codec, size = "640x360") {
  const probe = spawnReporter("amsrtc-peer-probe", [wsUrl, streamId, codec, size]);
  Object.defineProperty(probe, "joined", { get: () => probe.events.includes("joined") });
  return probe;
}

/**
 * Start tests/browser/stream_probe.cpp on a pipeline in gst-launch syntax (amsrtcsink,
 * amsrtcsrc, or both). Reports every 250 ms {ms, pads: {NAME: {buffers, width, height}}, errors}
 * for every pad an amsrtcsrc added (buffers of a video pad are decoded frames); the element's
 * amsrtc/* messages (publish-started, play-started, ...) arrive in probe.events.
 */
export function startStreamProbe(description) {
  return spawnReporter("amsrtc-stream-probe", [description]);
}
