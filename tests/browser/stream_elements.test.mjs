// amsrtcsink and amsrtcsrc with the real Ant Media SDK pages (examples/web) in headless Chromium,
// through amsrtc-server's SFU. The GStreamer side is tests/browser/stream_probe.cpp running a
// pipeline written in gst-launch syntax, and counting the frames amsrtcsrc decodes per pad:
//   1. amsrtcsink publishes, play.html decodes it (H.264 from our encoder, in Chrome);
//   2. publish.html publishes, amsrtcsrc decodes >= 60 frames of it;
//   3. a conference: two conference.html pages and one gst pipeline (amsrtcsink + amsrtcsrc in the
//      same room, as examples/conference.sh) where everyone decodes everyone.
// Run through run.sh (loopback-only network namespace).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, waitFor, waitForStats, startStreamProbe } from "./harness.mjs";

let server;
let browser;
let wsUrl;

function url(page, query) {
  return `${server.httpBase}/${page}?${new URLSearchParams({ autostart: "1", iceServers: "none", ...query })}`;
}

// The publishing half of a gst participant: a moving test pattern and a tone.
function publisherDescription(streamId, extra = "") {
  return (
    `amsrtcsink name=sink server=${wsUrl} stream-id=${streamId} ${extra} ` +
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 ! sink.video_0 " +
    "audiotestsrc is-live=true wave=ticks ! sink.audio_0"
  );
}

async function withDiagnostics(probes, fn) {
  try {
    return await fn();
  } catch (err) {
    const serverLog = server ? server.stderr().split("\n").slice(-60).join("\n") : "";
    let text = browser ? browser.dumpLogs() : "";
    for (const p of probes) text += `--- probe stderr (tail) ---\n${p.stderr.slice(-3000)}\nlast report ${JSON.stringify(p.latest())}\n`;
    console.error(`${text}--- server stderr (tail) ---\n${serverLog}`);
    throw err;
  } finally {
    for (const p of probes) await p.stop();
  }
}

describe("amsrtcsink and amsrtcsrc with the AMS SDK", () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    wsUrl = `${server.wsBase}/WebRTCAppEE/websocket`;
  });
  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  test("amsrtcsink publishes, play.html decodes it", async () => {
    const probes = [];
    await withDiagnostics(probes, async () => {
      const publisher = startStreamProbe(publisherDescription("gst-cam"));
      probes.push(publisher);
      await publisher.waitFor("amsrtc/publish-started", (r, p) => p.events.includes("amsrtc/publish-started"), 15_000);
      const player = await browser.newPage(url("play.html", { streamId: "gst-cam" }), "play");
      const s = await waitForStats(player, "play.html decodes >= 30 frames of the element's stream",
        (s) => Object.values(s.inbound).some((t) => t.framesDecoded >= 30), null, { timeoutMs: 15_000 });
      const track = Object.values(s.inbound).find((t) => t.framesDecoded >= 30);
      assert.equal(track.frameWidth, 640, "the element's 640x360 picture");
      assert.ok((await player.evaluate(() => window.amsrtcSfu.events)).includes("play_started"));
      assert.equal(publisher.latest().errors, "", "element errors");
      await player.close();
    });
  });

  test("publish.html publishes, amsrtcsrc decodes >= 60 frames", async () => {
    const probes = [];
    await withDiagnostics(probes, async () => {
      const page = await browser.newPage(url("publish.html", { streamId: "browser-cam", video: "640x360" }), "publish");
      await waitFor(page, "publish_started", () => window.amsrtcSfu.events.includes("publish_started"), null,
        { timeoutMs: 15_000 });
      const player = startStreamProbe(`amsrtcsrc server=${wsUrl} stream-id=browser-cam`);
      probes.push(player);
      const r = await player.waitFor("video_browser-cam: >= 60 decoded frames and audio",
        (r) => r.pads["video_browser-cam"]?.buffers >= 60 && r.pads["audio_browser-cam"]?.buffers > 0, 15_000);
      assert.equal(r.pads["video_browser-cam"].width, 640, "Chrome's 640x360 camera, decoded");
      assert.equal(r.pads["video_browser-cam"].height, 360);
      assert.ok(player.events.includes("amsrtc/play-started"), `events: ${player.events}`);
      assert.equal(r.errors, "", "element errors");
      await page.close();
    });
  });

  test("a conference of two conference.html pages and a gst pipeline: everyone decodes everyone", async () => {
    const probes = [];
    await withDiagnostics(probes, async () => {
      const room = "mixed-room";
      const gst = startStreamProbe(
        `${publisherDescription("gst", `room=${room}`)} amsrtcsrc server=${wsUrl} room=${room} stream-id=gst`,
      );
      probes.push(gst);
      const names = ["alice", "bob"];
      const pages = [];
      for (const name of names) {
        pages.push(await browser.newPage(url("conference.html", { streamId: name, room, video: "320x240" }), name));
      }
      const decodesOthers = (s, others) =>
        others.every((o) => s.inbound["ARDAMSv" + o] && s.inbound["ARDAMSv" + o].framesDecoded >= 30);
      for (let i = 0; i < names.length; ++i) {
        const others = [names[1 - i], "gst"];
        await waitForStats(pages[i], `${names[i]} decodes ${others.join(" and ")}`, decodesOthers, others,
          { timeoutMs: 30_000 });
      }
      const r = await gst.waitFor("the gst member decodes alice and bob (>= 30 frames each)",
        (r) => names.every((n) => r.pads["video_" + n]?.buffers >= 30), 30_000);
      assert.deepEqual(Object.keys(r.pads).filter((p) => p.startsWith("video_")).sort(), ["video_alice", "video_bob"],
        "one video pad per other member, none for its own stream");
      assert.equal(r.pads.video_alice.width, 320, "alice's 320x240 camera");
      assert.equal(r.errors, "", "element errors");
      for (const p of pages) await p.close();
    });
  });
});
