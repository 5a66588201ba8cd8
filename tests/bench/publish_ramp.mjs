// Chrome's bandwidth ramp when it publishes to amsrtc-server: publish.html
// (the real AMS SDK) publishes a 1280x720 fake camera of moving SMPTE bars,
// play.html plays it in another browser, and the publisher's own getStats
// are sampled every 250 ms for 10 s from publish_started: Chrome's
// estimate (availableOutgoingBitrate), its encoder target, bytes sent and
// frame rate. Each run has a fresh server and fresh browsers. Prints one
// JSON line per run, then how many runs were "slow" (estimate still under
// 2 Mbit/s 2 s after publish_started) and how many missed the browser
// test's bar (>= 1.5 Mbit/s sent within 10 s).
//
// Run through run-publish-ramp.sh (builds, installs, loopback-only namespace);
// `--no-player` leaves play.html out.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, launchBrowser, waitFor, fakeCameraArgs } from "../browser/harness.mjs";

const runs = Number(process.argv[2] || 20);
// --no-player: publish.html alone, to see how much the player's browser
// (starting and decoding on the same two cores) slows the ramp.
const withPlayer = !process.argv.includes("--no-player");

// Runs in the page: the series of samples, one every 250 ms for 10 s.
async function sampleSeries() {
  const rows = [];
  const start = Date.now();
  while (Date.now() - start < 10_000) {
    const row = { t: Date.now() - start };
    for (const pc of Object.values(window.amsrtcSfu.adaptor.remotePeerConnection)) {
      if (!pc) continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "video") {
          Object.assign(row, { bytes: s.bytesSent, target: s.targetBitrate || 0, fps: s.framesPerSecond || 0 });
        } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
          row.estimate = s.availableOutgoingBitrate || 0;
        }
      });
    }
    rows.push(row);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return rows;
}

async function oneRun() {
  const server = await startServer();
  const cameraDir = await mkdtemp(path.join(tmpdir(), "amsrtc-camera-"));
  const camera = await launchBrowser({ extraArgs: await fakeCameraArgs(cameraDir) });
  const viewer = withPlayer ? await launchBrowser() : null;
  try {
    const url = (page, query) =>
      `${server.httpBase}/${page}?${new URLSearchParams({ autostart: "1", iceServers: "none", ...query })}`;
    const publisher = await camera.newPage(url("publish.html", { streamId: "cam1", video: "1280x720" }), "publish");
    await waitFor(publisher, "publish_started", () => window.amsrtcSfu.events.includes("publish_started"), null,
      { timeoutMs: 15_000 });
    const series = publisher.evaluate(sampleSeries);
    if (viewer) await viewer.newPage(url("play.html", { streamId: "cam1" }), "play");
    return await series;
  } finally {
    if (viewer) await viewer.close();
    await camera.close();
    await server.stop();
    await rm(cameraDir, { recursive: true, force: true });
  }
}

// The figures of one run's series.
function summarize(rows) {
  const at = (ms) => rows.filter((r) => r.t <= ms).at(-1) || {};
  const estimateBy2s = Math.max(0, ...rows.filter((r) => r.t <= 2100).map((r) => r.estimate || 0));
  // Sent bitrate over the last second (or a little more); the first time it
  // reached 1.5 Mbit/s.
  let reached = -1;
  for (const r of rows) {
    const back = rows.filter((b) => b.t <= r.t - 1000 && b.bytes !== undefined).at(-1);
    if (back && r.bytes !== undefined && ((r.bytes - back.bytes) * 8 * 1000) / (r.t - back.t) >= 1.5e6) {
      reached = r.t;
      break;
    }
  }
  return {
    estimate_2s_mbps: +(estimateBy2s / 1e6).toFixed(2),
    estimate_10s_mbps: +((rows.at(-1).estimate || 0) / 1e6).toFixed(2),
    fps_1_5s: at(1500).fps || 0,
    reached_1_5_mbps_ms: reached,
  };
}

let slow = 0;
let missed = 0;
for (let i = 1; i <= runs; ++i) {
  const figures = summarize(await oneRun());
  if (figures.estimate_2s_mbps < 2) ++slow;
  if (figures.reached_1_5_mbps_ms < 0) ++missed;
  console.log(JSON.stringify({ run: i, ...figures }));
}
console.log(`${slow} of ${runs} runs slow (estimate < 2 Mbit/s 2 s after publish_started); ` +
  `${missed} of ${runs} never sent >= 1.5 Mbit/s within 10 s`);
