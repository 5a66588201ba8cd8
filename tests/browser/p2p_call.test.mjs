// P2P call through amsrtc-server with the real Ant Media SDK in headless Chromium
// (examples/web/peer.html). PROTOCOL.md §3.4 and §12.2:
//   1. two pages join the same streamId; the first one gets "start" and offers, the other answers;
//      both peer connections reach "connected" and both decode the other's video;
//   2. one page leaves and closes; the other gets "stop" and stays joined; a third page joins,
//      the remaining page gets "start" again and offers; both decode on the NEW connection.
// Run through run.sh (loopback-only network namespace).

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, waitFor, waitForStats, stats, peerState } from "./harness.mjs";

const PHASE_MS = 15_000; // budget for each call to come up, from the joining page's load to decoded frames
const streamId = "p2p-test-call";

let server;
let browser;

function pageUrl(id) {
  const q = new URLSearchParams({ streamId: id, autojoin: "1", iceServers: "none", video: "320x240" });
  return `${server.httpBase}/peer.html?${q}`;
}

// Run fn; on failure add what the pages and the server said.
async function withDiagnostics(fn) {
  try {
    return await fn();
  } catch (err) {
    // Printed rather than added to err.message: the spec reporter shows AssertionErrors its own way.
    const serverLog = server ? server.stderr().split("\n").slice(-60).join("\n") : "";
    console.error(`${browser ? browser.dumpLogs() : ""}--- server stderr (tail) ---\n${serverLog}`);
    throw err;
  }
}

const remaining = (deadline) => Math.max(1, deadline - Date.now());

// Wait until the page's current peer connection (serial > minSerial) is connected and has
// decoded video; returns those stats.
function waitDecoding(page, name, deadline, minSerial = 0) {
  return waitForStats(
    page,
    `${name}: connected peer connection #>${minSerial} with framesDecoded > 0`,
    (s, min) => s.pcSerial > min && s.connectionState === "connected" && s.inbound.framesDecoded > 0,
    minSerial,
    { timeoutMs: remaining(deadline), polling: 100 },
  );
}

function waitSignal(page, name, signal, count, deadline) {
  return waitFor(
    page,
    `${name}: ${count}× "${signal}" from the server`,
    ([sig, n]) => window.amsrtcPeer.signals.filter((s) => s === sig).length >= n,
    [signal, count],
    { timeoutMs: remaining(deadline) },
  );
}

function waitEvent(page, name, event, deadline) {
  return waitFor(page, `${name}: callback "${event}"`, (e) => window.amsrtcPeer.events.includes(e), event, {
    timeoutMs: remaining(deadline),
  });
}

function assertVideoFlows(name, s) {
  assert.equal(s.connectionState, "connected", `${name} connectionState`);
  assert.ok(["connected", "completed"].includes(s.iceConnectionState), `${name} iceConnectionState ${s.iceConnectionState}`);
  assert.ok(s.inbound.framesDecoded > 0, `${name} inbound framesDecoded`);
  assert.ok(s.inbound.bytesReceived > 0, `${name} inbound bytesReceived`);
  assert.ok(s.inbound.frameWidth > 0 && s.inbound.frameHeight > 0, `${name} inbound frame size`);
  assert.ok(s.outbound.framesEncoded > 0, `${name} outbound framesEncoded`);
  assert.ok(s.outbound.bytesSent > 0, `${name} outbound bytesSent`);
}

function report(label, name, st, s, since, sinceWhat) {
  console.log(
    `${label} ${name}: pc #${s.pcSerial} connected ${st.connectedAt - since} ms after ${sinceWhat}; ` +
      `framesDecoded ${s.inbound.framesDecoded} at ${s.inbound.frameWidth}x${s.inbound.frameHeight}, ` +
      `framesEncoded ${s.outbound.framesEncoded} at ${s.outbound.frameWidth}x${s.outbound.frameHeight}`,
  );
}

describe("P2P call (join) with the real SDK through amsrtc-server", () => {
  let pageA;
  let pageB;
  let pageC;

  before(async () => {
    server = await startServer({ env: { G_MESSAGES_DEBUG: process.env.G_MESSAGES_DEBUG ?? "amsrtc-server" } });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) {
      // The server must still be alive at the end: nothing the pages did may have stopped it.
      const crashed = server.exited();
      const { code, signal } = await server.stop();
      assert.equal(crashed, null, "server was still running at the end");
      console.log(`server stopped by SIGTERM: exit code ${code}, signal ${signal}`);
    }
  });

  test("two pages call each other and both decode video", async () => {
    await withDiagnostics(async () => {
      const deadline = Date.now() + PHASE_MS;

      // A joins first, so A is the one that gets "start" (§12.2).
      pageA = await browser.newPage(pageUrl(streamId), "A");
      await waitEvent(pageA, "A", "joined", deadline);
      pageB = await browser.newPage(pageUrl(streamId), "B");
      await waitEvent(pageB, "B", "joined", deadline);

      await Promise.all([waitDecoding(pageA, "A", deadline), waitDecoding(pageB, "B", deadline)]);
      // Fresh figures from both once both decode (each side's own wait may have passed earlier).
      const [statsA, statsB] = await Promise.all([stats(pageA), stats(pageB)]);
      const [stA, stB] = await Promise.all([peerState(pageA), peerState(pageB)]);

      assertVideoFlows("A", statsA);
      assertVideoFlows("B", statsB);
      assert.ok(stA.signals.includes("start"), `A got start: ${stA.signals}`);
      assert.ok(!stB.signals.includes("start"), `B got no start: ${stB.signals}`);
      assert.ok(stB.signals.includes("takeConfiguration/offer"), `B got the offer: ${stB.signals}`);
      assert.ok(stA.signals.includes("takeConfiguration/answer"), `A got the answer: ${stA.signals}`);
      assert.deepEqual(stA.errors, [], "A errors");
      assert.deepEqual(stB.errors, [], "B errors");

      report("call 1", "A", stA, statsA, stB.joinSentAt, "B's join");
      report("call 1", "B", stB, statsB, stB.joinSentAt, "B's join");
      console.log(`call 1: both decoding ${Date.now() - stB.joinSentAt} ms after B's join`);
    });
  });

  test("one page leaves, a third joins: the pair re-forms and both decode again", async () => {
    assert.ok(pageA && pageB, "first call was set up");
    await withDiagnostics(async () => {
      const deadline = Date.now() + PHASE_MS;
      const prev = await peerState(pageB);
      assert.equal(prev.pcSerial, 1, "B is on its first peer connection");

      // A clicks Leave: it gets notification/leaved, B gets "stop" and drops its connection.
      await pageA.click("#leave");
      await waitEvent(pageA, "A", "leaved", deadline);
      await waitSignal(pageB, "B", "stop", 1, deadline);
      await waitFor(pageB, "B: peer connection closed after stop", () => window.amsrtcPeer.state().pcSerial === 0, null, {
        timeoutMs: remaining(deadline),
      });
      await pageA.close();
      pageA = null;

      // C joins the same streamId; B (still joined) gets "start" again and offers to C.
      pageC = await browser.newPage(pageUrl(streamId), "C");
      await waitEvent(pageC, "C", "joined", deadline);
      await waitSignal(pageB, "B", "start", 1, deadline);
      await Promise.all([waitDecoding(pageB, "B", deadline, prev.pcSerial), waitDecoding(pageC, "C", deadline)]);
      const [statsB, statsC] = await Promise.all([stats(pageB), stats(pageC)]);
      const [stB, stC] = await Promise.all([peerState(pageB), peerState(pageC)]);

      assertVideoFlows("B", statsB);
      assertVideoFlows("C", statsC);
      assert.equal(statsB.pcSerial, 2, "B decodes on its second (new) peer connection");
      assert.ok(stB.connectedAt >= stC.joinSentAt, "B's new connection connected after C joined");
      assert.ok(stB.signals.includes("start"), `B got start: ${stB.signals}`);
      assert.ok(stC.signals.includes("takeConfiguration/offer"), `C got the offer: ${stC.signals}`);
      assert.ok(!stC.signals.includes("start"), `C got no start: ${stC.signals}`);
      assert.deepEqual(stB.errors, [], "B errors");
      assert.deepEqual(stC.errors, [], "C errors");

      report("call 2", "B", stB, statsB, stC.joinSentAt, "C's join");
      report("call 2", "C", stC, statsC, stC.joinSentAt, "C's join");
      console.log(`call 2: both decoding ${Date.now() - stC.joinSentAt} ms after C's join`);
    });
  });
});
