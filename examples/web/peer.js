// amsrtc P2P call page logic (see peer.html for the query string).
//
// Everything that talks to the server goes through the real Ant Media SDK: we only call its
// documented API (new WebRTCAdaptor({...}), join(), leave()) and watch what it does. For tests
// the page exposes window.amsrtcPeer and window.amsrtcStats().

// The ES build of the SDK: one module with relative imports only, no bundler or import map needed.
import { WebRTCAdaptor } from "./node_modules/@antmedia/webrtc_adaptor/dist/es/webrtc_adaptor.js";

// ---------------------------------------------------------------------------------------------
// Settings from the query string

const params = new URLSearchParams(location.search);
const streamId = params.get("streamId") || "call1";
const autojoin = params.get("autojoin") === "1";

// Default server: same host and port as this page, ws: for http:, wss: for https:.
const defaultServer =
  (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/WebRTCAppEE/websocket";
const serverUrl = params.get("server") || defaultServer;

// "video=320x240" -> {width: 320, height: 240}; "video=0" -> no camera; default: any camera.
function videoConstraint(value) {
  if (value === null || value === "" || value === "1") return true;
  if (value === "0") return false;
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m) return true;
  return { width: Number(m[1]), height: Number(m[2]) };
}
const mediaConstraints = {
  video: videoConstraint(params.get("video")),
  audio: params.get("audio") !== "0",
};

// The SDK's default is Google's public STUN server. "iceServers=none" means host candidates only,
// which is all a loopback-only test needs (and there is nothing else to reach there anyway).
// Without the parameter we leave peerconnection_config out so the SDK asks the server
// (getIceServerConfig) and uses its STUN/TURN answer.
const peerconnectionConfig =
  params.get("iceServers") === "none" ? { iceServers: [], sdpSemantics: "unified-plan" } : undefined;

// ---------------------------------------------------------------------------------------------
// Page elements and logging

const $ = (id) => document.getElementById(id);
const joinButton = $("join");
const leaveButton = $("leave");
const stateLine = $("state");
const logBox = $("log");
$("title-stream").textContent = "· " + streamId;

function log(text, isError = false) {
  const line = document.createElement("div");
  line.textContent = new Date().toISOString().slice(11, 23) + "  " + text;
  if (isError) line.className = "error";
  logBox.appendChild(line);
  logBox.scrollTop = logBox.scrollHeight;
  (isError ? console.error : console.log)("[peer " + streamId + "] " + text);
}

// Error objects handed to callbackError are sometimes DOM Events; make them printable.
function describe(obj) {
  if (obj === undefined || obj === null) return "";
  if (obj instanceof Event) return "event " + obj.type;
  try {
    return JSON.stringify(obj);
  } catch {
    return String(obj);
  }
}

// ---------------------------------------------------------------------------------------------
// Test hooks and state

const peer = {
  adaptor: null,
  events: [],        // every callback info name, in order (including "pong")
  errors: [],        // {error, message} from callbackError
  signals: [],       // every command received on the WebSocket, e.g. "start", "takeConfiguration/offer"
  initialized: false,
  joined: false,
  joinSentAt: null,  // Date.now() of the last join()
  pcCount: 0,        // how many RTCPeerConnections the SDK has made for streamId so far
  state,             // snapshot, see below
};
window.amsrtcPeer = peer;

// The SDK keeps one RTCPeerConnection per stream id in adaptor.remotePeerConnection[streamId];
// it replaces it after "stop"/leave and a new start/offer. We number each one we see so tests
// (and the state line) can tell a new connection from an old one.
const pcInfo = new WeakMap(); // RTCPeerConnection -> {serial, createdAt, connectedAt}

function currentPc() {
  return peer.adaptor ? peer.adaptor.remotePeerConnection[streamId] || null : null;
}

function watchPeerConnection() {
  const pc = currentPc();
  if (!pc || pcInfo.has(pc)) return;
  const info = { serial: ++peer.pcCount, createdAt: Date.now(), connectedAt: null };
  pcInfo.set(pc, info);
  log(`peer connection #${info.serial} created`);
  // addEventListener, so the SDK's own on* handlers stay untouched.
  pc.addEventListener("connectionstatechange", () => {
    if (pc.connectionState === "connected" && info.connectedAt === null) {
      info.connectedAt = Date.now();
      const since = peer.joinSentAt ? ` (${info.connectedAt - peer.joinSentAt} ms after join)` : "";
      log(`peer connection #${info.serial} connected${since}`);
    } else {
      log(`peer connection #${info.serial}: ${pc.connectionState}`, pc.connectionState === "failed");
    }
    render();
  });
  pc.addEventListener("track", (ev) => log(`remote ${ev.track.kind} track`));
}

function state() {
  const pc = currentPc();
  const info = pc ? pcInfo.get(pc) : null;
  const ws = peer.adaptor && peer.adaptor.webSocketAdaptor;
  return {
    streamId,
    server: serverUrl,
    websocket: ws && ws.isConnected() ? "open" : ws && ws.isConnecting() ? "connecting" : "closed",
    joined: peer.joined,
    pcSerial: info ? info.serial : 0,
    connectionState: pc ? pc.connectionState : "none",
    iceConnectionState: pc ? pc.iceConnectionState : "none",
    joinSentAt: peer.joinSentAt,
    connectedAt: info ? info.connectedAt : null,
  };
}

function render() {
  watchPeerConnection();
  const s = state();
  const video = $("remoteVideo");
  const size = video.videoWidth ? ` · remote ${video.videoWidth}x${video.videoHeight}` : "";
  const pcText = s.pcSerial ? `peer connection #${s.pcSerial}: ${s.connectionState} (ice ${s.iceConnectionState})` : "no peer connection";
  stateLine.textContent = `websocket ${s.websocket} · ${s.joined ? "joined" : "not joined"} · ${pcText}${size}`;
  stateLine.className = s.connectionState === "connected" ? "connected" : s.connectionState === "failed" ? "failed" : "";
  joinButton.disabled = !peer.initialized || peer.joined;
  leaveButton.disabled = !peer.joined;
}
setInterval(render, 500);

// Stats of the current peer connection (the one the SDK holds for streamId right now), or null.
window.amsrtcStats = async function amsrtcStats() {
  const pc = currentPc();
  if (!pc) return null;
  watchPeerConnection();
  const result = {
    pcSerial: pcInfo.get(pc).serial,
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    inbound: { framesDecoded: 0, frameWidth: 0, frameHeight: 0, bytesReceived: 0, codec: "" },
    outbound: {
      framesEncoded: 0,
      frameWidth: 0,
      frameHeight: 0,
      bytesSent: 0,
      codec: "",
      qualityLimitationReason: "",
    },
    // The browser's bandwidth estimate for what it sends (bit/s): it grows only with the
    // receiver's feedback (transport-wide-cc or REMB).
    availableOutgoingBitrate: 0,
  };
  const report = await pc.getStats();
  const codecOf = (s) => (s.codecId && report.get(s.codecId) ? report.get(s.codecId).mimeType : "");
  report.forEach((s) => {
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
      result.availableOutgoingBitrate = s.availableOutgoingBitrate || 0;
    }
    if (s.kind !== "video") return;
    if (s.type === "inbound-rtp") {
      result.inbound.codec = codecOf(s);
      result.inbound.framesDecoded += s.framesDecoded || 0;
      result.inbound.bytesReceived += s.bytesReceived || 0;
      result.inbound.frameWidth = Math.max(result.inbound.frameWidth, s.frameWidth || 0);
      result.inbound.frameHeight = Math.max(result.inbound.frameHeight, s.frameHeight || 0);
    } else if (s.type === "outbound-rtp") {
      result.outbound.codec = codecOf(s);
      result.outbound.qualityLimitationReason = s.qualityLimitationReason || "";
      result.outbound.targetBitrate = s.targetBitrate || 0;
      result.outbound.framesEncoded += s.framesEncoded || 0;
      result.outbound.bytesSent += s.bytesSent || 0;
      result.outbound.frameWidth = Math.max(result.outbound.frameWidth, s.frameWidth || 0);
      result.outbound.frameHeight = Math.max(result.outbound.frameHeight, s.frameHeight || 0);
    }
  });
  return result;
};

// The current peer connection's SDP, {local, remote} (tests capture real browser offers).
window.amsrtcSdp = function amsrtcSdp() {
  const pc = currentPc();
  if (!pc) return null;
  return {
    local: pc.localDescription ? { type: pc.localDescription.type, sdp: pc.localDescription.sdp } : null,
    remote: pc.remoteDescription ? { type: pc.remoteDescription.type, sdp: pc.remoteDescription.sdp } : null,
  };
};

// ---------------------------------------------------------------------------------------------
// The SDK

function join() {
  peer.joinSentAt = Date.now();
  log(`→ join ${streamId}`);
  peer.adaptor.join(streamId);
}

function leave() {
  log(`→ leave ${streamId}`);
  peer.adaptor.leave(streamId); // sends "leave" and closes our peer connection
  peer.joined = false;
  render();
}

// Log every command the server sends. The SDK handles them in wsConn.onmessage; a second
// listener only watches. Called on each "initialized", since a reconnect makes a new socket.
function observeSocket() {
  const wsConn = peer.adaptor.webSocketAdaptor && peer.adaptor.webSocketAdaptor.wsConn;
  if (!wsConn || wsConn.amsrtcObserved) return;
  wsConn.amsrtcObserved = true;
  wsConn.addEventListener("message", (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    const name = [msg.command, msg.type, msg.definition].filter(Boolean).join("/");
    peer.signals.push(name);
    if (msg.command !== "pong") log(`← ${name}`, msg.command === "error");
    watchPeerConnection(); // start/offer make the SDK create a peer connection synchronously
  });
}

function onEvent(info, obj) {
  peer.events.push(info);
  switch (info) {
    case "initialized":
      peer.initialized = true;
      observeSocket();
      log("websocket open: " + serverUrl);
      if (autojoin && peer.joinSentAt === null) join();
      break;
    case "joined":
      peer.joined = true;
      log("joined " + streamId + ", waiting for a peer");
      break;
    case "leaved":
      peer.joined = false;
      log("left " + streamId);
      break;
    case "closed":
      peer.initialized = false;
      peer.joined = false;
      log("websocket closed", true);
      break;
    case "ice_connection_state_changed":
      log(`ice ${obj.state}`);
      break;
    case "pong":
      break; // every 3 s; counted in events, not logged
    default:
      log(`event ${info}`);
  }
  render();
}

function onError(error, message) {
  peer.errors.push({ error: String(error), message: describe(message) });
  log(`error ${error} ${describe(message)}`, true);
  render();
}

// Unmuted autoplay needs a user gesture in normal browsers; with autojoin there may be none.
// Then play muted rather than show a frozen frame.
$("remoteVideo").addEventListener("loadedmetadata", (ev) => {
  ev.target.play().catch(() => {
    ev.target.muted = true;
    log("remote audio muted by the browser's autoplay policy (click the video to unmute)");
    ev.target.play().catch((e) => log("remote video play() failed: " + e, true));
  });
});
$("remoteVideo").addEventListener("click", (ev) => {
  ev.target.muted = false;
});

window.addEventListener("unhandledrejection", (ev) => onError("unhandledrejection", String(ev.reason)));

joinButton.addEventListener("click", join);
leaveButton.addEventListener("click", leave);

if (params.get("sdklog") && window.log && window.log.setLevel) window.log.setLevel(params.get("sdklog"));

log(`creating WebRTCAdaptor, camera ${JSON.stringify(mediaConstraints)}`);
try {
  const options = {
    websocket_url: serverUrl,
    mediaConstraints,
    localVideoId: "localVideo",
    remoteVideoId: "remoteVideo", // the SDK puts the peer's stream here (no idMapping needed)
    isPlayMode: false, // we send camera and microphone too
    debug: true,
    callback: onEvent,
    callbackError: onError,
  };
  if (peerconnectionConfig) options.peerconnection_config = peerconnectionConfig;
  // The constructor opens the camera, then the WebSocket; "initialized" follows.
  peer.adaptor = new WebRTCAdaptor(options);
} catch (e) {
  onError("constructor", String(e));
}
render();
