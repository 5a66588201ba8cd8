// The real Ant Media SDK (examples/web/peer.html in headless Chromium) calls our amsrtcpeer
// element (tests/browser/peer_probe.cpp) through amsrtc-server, with H.264 and with VP8, each
// way round: when the element joins first it offers and Chrome answers; when the page joins
// first Chrome offers every codec it has (H.264 under its own payload types) and the element
// answers. Each direction must carry decoded video, and the browser's 1280x720 camera must reach
// us at >= 640x480 within 10 s of the connection, with Chrome's bandwidth estimate and encoder
// target >= 1 Mbit/s: that needs amsrtcpeer's transport-cc feedback, without which Chrome stays
// near 300-600 kbit/s (../shared NOTES). With VP8 we also receive >= 1 Mbit/s. Chrome's H.264
// encoder makes only ~0.75 Mbit/s of the fake camera's simple picture at a 2.5 Mbit/s target,
// so for H.264 the received rate is reported, not required. Then the element restarts ICE mid-call
// (restart-ice), either way round, and the SDK's RTCPeerConnection follows it.
// Run through run.sh (loopback-only network namespace).

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startServer, launchBrowser, waitFor, waitForStats, stats, startProbe } from "./harness.mjs";

const CALL_MS = 20_000; // from the second join to decoded video on both sides
const RAMP_MS = 10_000; // from the connection to >= 640x480 at >= 1 Mbit/s

let server;
let browser;

function pageUrl(id) {
  const q = new URLSearchParams({ streamId: id, autojoin: "1", iceServers: "none", video: "1280x720" });
  return `${server.httpBase}/peer.html?${q}`;
}

// Video bit rate the probe received over its last second of reports (bit/s).
function receivedBitrate(probe) {
  const last = probe.latest();
  if (!last) return 0;
  let earlier = null;
  for (const r of probe.reports) {
    if (r.ms <= last.ms - 1000) earlier = r;
  }
  if (!earlier || last.ms === earlier.ms) return 0;
  return ((last.rtpBytes - earlier.rtpBytes) * 8 * 1000) / (last.ms - earlier.ms);
}

// AMSRTC_CAPTURE_SDP=dir keeps the browser's offer/answer (the unit tests' canned SDP came so).
function captureSdp(name, sdp) {
  const dir = process.env.AMSRTC_CAPTURE_SDP;
  if (!dir || !sdp) return;
  mkdirSync(dir, { recursive: true });
  for (const side of ["local", "remote"]) {
    if (sdp[side]) writeFileSync(path.join(dir, `${name}_${side}_${sdp[side].type}.sdp`), sdp[side].sdp);
  }
}

describe("the real SDK's peer.html calls amsrtcpeer", () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const cases = [
    { codec: "h264", mime: "video/H264", elementOffers: true, requiredBitrate: 0 },
    { codec: "h264", mime: "video/H264", elementOffers: false, requiredBitrate: 0 },
    { codec: "vp8", mime: "video/VP8", elementOffers: true, requiredBitrate: 1e6 },
    { codec: "vp8", mime: "video/VP8", elementOffers: false, requiredBitrate: 1e6 },
  ];
  for (const { codec, mime, elementOffers, requiredBitrate } of cases) {
    const offerer = elementOffers ? "element" : "browser";
    test(`${codec}, ${offerer} offers: both sides decode, and the browser's camera ramps up to us`, async () => {
      const id = `browser-${codec}-${offerer}`;
      const wsUrl = `${server.wsBase}/WebRTCAppEE/websocket`;
      const call = {};
      try {
        const deadline = Date.now() + CALL_MS;
        await joinInOrder(call, wsUrl, id, codec, elementOffers);
        const { probe, page } = call;

        await waitForStats(
          page,
          "browser: connected and decoding our video",
          (s) => s.connectionState === "connected" && s.inbound.framesDecoded > 0,
          null,
          { timeoutMs: Math.max(1, deadline - Date.now()) },
        );
        const connectedAt = Date.now();
        await probe.waitFor(
          "element: >= 30 decoded frames and audio",
          (r) => r.videoFrames >= 30 && r.audioBuffers > 0,
          Math.max(1, deadline - Date.now()),
        );

        // Poll both ends until the camera has ramped up or 10 s have passed since connecting.
        let ramped = false;
        for (;;) {
          const s = await stats(page);
          const r = probe.latest();
          ramped =
            r.width >= 640 &&
            r.height >= 480 &&
            s.availableOutgoingBitrate >= 1e6 &&
            s.outbound.targetBitrate >= 1e6 &&
            receivedBitrate(probe) >= requiredBitrate;
          if (ramped || Date.now() - connectedAt >= RAMP_MS) break;
          await probe.waitFor("the next report", (next) => next !== r, 1000);
        }
        const s = await stats(page);
        const r = probe.latest();
        console.log(
          `${codec}: ${elementOffers ? "element" : "browser"} offered; ` +
            `browser decodes ${s.inbound.codec} ${s.inbound.frameWidth}x${s.inbound.frameHeight} ` +
            `(${s.inbound.framesDecoded} frames); element decodes ${r.width}x${r.height} ` +
            `(${r.videoFrames} frames) at ${(receivedBitrate(probe) / 1e6).toFixed(2)} Mbit/s ` +
            `${((Date.now() - connectedAt) / 1000).toFixed(1)} s after connecting; browser sends ` +
            `${s.outbound.codec} ${s.outbound.frameWidth}x${s.outbound.frameHeight}, estimate ` +
            `${(s.availableOutgoingBitrate / 1e6).toFixed(2)} Mbit/s, target ` +
            `${(s.outbound.targetBitrate / 1e6).toFixed(2)} Mbit/s, limited by ` +
            `${s.outbound.qualityLimitationReason || "nothing"}`,
        );
        captureSdp(`chrome_${codec}_${offerer}`, await page.evaluate(() => window.amsrtcSdp()));

        assert.equal(r.errors, "", "element errors");
        assert.equal(s.inbound.codec, mime, "codec the browser decodes");
        assert.equal(s.outbound.codec, mime, "codec the browser sends");
        assert.ok(s.inbound.framesDecoded > 0, "browser framesDecoded");
        assert.ok(r.videoFrames >= 30, "element decoded frames");
        assert.ok(
          ramped,
          `within ${RAMP_MS} ms: >= 640x480 received, browser estimate and target >= 1 Mbit/s` +
            (requiredBitrate ? `, >= ${requiredBitrate / 1e6} Mbit/s received` : ""),
        );
      } catch (err) {
        console.error(`${browser.dumpLogs()}--- probe stderr ---\n${call.probe ? call.probe.stderr.slice(-3000) : ""}`);
        throw err;
      } finally {
        if (call.page) await call.page.close();
        if (call.probe) await call.probe.stop();
      }
    });
  }

  // amsrtcpeer's restart-ice mid-call (as after a network change): the SDK answers the restarting
  // offer on its live RTCPeerConnection (its takeConfiguration handler answers any offer), both
  // ICE agents take new credentials, and both sides keep decoding on the same call. With the
  // browser as the first offerer, the element offers from the answering side.
  for (const elementOffers of [true, false]) {
    const offerer = elementOffers ? "element" : "browser";
    test(`h264, ${offerer} offered first: the element restarts ICE and both sides keep decoding`, async () => {
      const id = `browser-restart-${offerer}`;
      const wsUrl = `${server.wsBase}/WebRTCAppEE/websocket`;
      const call = {};
      try {
        const deadline = Date.now() + CALL_MS;
        await joinInOrder(call, wsUrl, id, "h264", elementOffers);
        const { probe, page } = call;
        await waitForStats(page, "browser: connected and decoding our video",
          (s) => s.connectionState === "connected" && s.inbound.framesDecoded > 0, null,
          { timeoutMs: Math.max(1, deadline - Date.now()) });
        await probe.waitFor("element: >= 30 decoded frames", (r) => r.videoFrames >= 30,
          Math.max(1, deadline - Date.now()));
        const ufragOf = (sdp) => (/a=ice-ufrag:(\S+)/.exec(sdp || "") || [])[1];
        const before = await page.evaluate(() => window.amsrtcSdp());
        const browserFrames = (await stats(page)).inbound.framesDecoded;
        const elementFrames = probe.latest().videoFrames;

        probe.signal("SIGUSR1");
        await probe.waitFor("the element's amsrtc/ice-restart", (r, p) =>
          p.events.includes("ice-restart:requested"), 5000);
        const after = await waitFor(page, "the browser: new credentials on both sides", (old) => {
          const now = window.amsrtcSdp();
          const ufrag = (sdp) => (/a=ice-ufrag:(\S+)/.exec(sdp || "") || [])[1];
          return now && now.local && now.remote && ufrag(now.remote.sdp) !== ufrag(old.remote.sdp) &&
            ufrag(now.local.sdp) !== ufrag(old.local.sdp) ? now : null;
        }, before, { timeoutMs: 10_000 });
        const s = await waitForStats(page, "browser: connected and 30 more frames decoded",
          (s, frames) => s.connectionState === "connected" && s.inbound.framesDecoded >= frames + 30,
          browserFrames, { timeoutMs: 10_000 });
        const r = await probe.waitFor("element: 30 more frames decoded",
          (r) => r.videoFrames >= elementFrames + 30, 10_000);
        console.log(
          `restart, ${offerer} offered first: ice-ufrag, browser's local ${ufragOf(before.local.sdp)} -> ` +
            `${ufragOf(after.local.sdp)}, its remote ${ufragOf(before.remote.sdp)} -> ${ufragOf(after.remote.sdp)}; ` +
            `browser decoded ${s.inbound.framesDecoded - browserFrames}, element ` +
            `${r.videoFrames - elementFrames} frames after it`,
        );
        assert.equal(r.errors, "", "element errors");
        assert.equal(after.remote.type, "offer", "the restart is the element's offer, in either case");
        assert.equal(probe.events.filter((e) => e.startsWith("ice-restart:")).length, 1,
          "one ICE restart, the requested one");
      } catch (err) {
        console.error(`${browser.dumpLogs()}--- probe stderr ---\n${call.probe ? call.probe.stderr.slice(-3000) : ""}`);
        throw err;
      } finally {
        if (call.page) await call.page.close();
        if (call.probe) await call.probe.stop();
      }
    });
  }
});

// Starts the probe and the page for `id` in the order that makes `elementOffers` true or false
// (the first to join offers once the other arrives); fills call.probe and call.page as they exist,
// so the caller can clean up whatever was started.
async function joinInOrder(call, wsUrl, id, codec, elementOffers) {
  if (elementOffers) {
    call.probe = startProbe(wsUrl, id, codec);
    await call.probe.waitFor("joined", (r, p) => p.joined, 10_000);
    call.page = await browser.newPage(pageUrl(id), `page-${codec}`);
  } else {
    call.page = await browser.newPage(pageUrl(id), `page-${codec}`);
    await waitFor(call.page, "page joined", () => window.amsrtcPeer.events.includes("joined"), null, {
      timeoutMs: 10_000,
    });
    call.probe = startProbe(wsUrl, id, codec);
  }
}
