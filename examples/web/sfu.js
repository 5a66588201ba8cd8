// Page logic for publish.html, play.html and conference.html (the page's
// <body data-mode> says which), on the real Ant Media SDK. Query string:
//   streamId=NAME   stream to publish or play (conference: your own stream)
//   room=NAME       conference room (main-track style, as the SDK's own sample)
//   server=WS_URL   default: this page's host, path /WebRTCAppEE/websocket
//   autostart=1     publish/play/join as soon as the SDK is initialized
//   iceServers=none host candidates only (loopback tests)
//   video=WxH       camera size (default 1280x720); bandwidth=KBPS (default 2500)
// Tests read window.amsrtcSfu and call window.amsrtcStats().
import { WebRTCAdaptor } from "./node_modules/@antmedia/webrtc_adaptor/dist/es/webrtc_adaptor.js";

const mode = document.body.dataset.mode; // "publish" | "play" | "conference"
const params = new URLSearchParams(location.search);
const streamId = params.get("streamId") || (mode === "conference" ? "user" + Math.floor(Math.random() * 1e6) : "stream1");
const room = params.get("room") || "room1";
const defaultServer =
  (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/WebRTCAppEE/websocket";
const serverUrl = params.get("server") || defaultServer;
const size = /^(\d+)x(\d+)$/.exec(params.get("video") || "1280x720");
const bandwidth = Number(params.get("bandwidth") || 2500);

const $ = (id) => document.getElementById(id);
const state = { mode, streamId, room, events: [], errors: [], signals: [], tracks: {}, started: false };
window.amsrtcSfu = state;
$("title").textContent = mode === "conference" ? `· room ${room} as ${streamId}` : `· ${streamId}`;

function log(text, isError = false) {
  const line = document.createElement("div");
  line.textContent = new Date().toISOString().slice(11, 23) + "  " + text;
  if (isError) line.className = "error";
  $("log").appendChild(line);
  (isError ? console.error : console.log)(`[${mode} ${streamId}] ${text}`);
}

// One <video> per remote track (conference, play): keyed by trackId of the idMapping.
function showTrack(obj) {
  const id = obj.trackId || obj.track.id;
  state.tracks[id] = { kind: obj.track.kind, since: Date.now() };
  if (mode === "play") {
    $("remoteVideo").srcObject = obj.stream;
    return;
  }
  if (obj.track.kind !== "video") return;
  let video = document.getElementById("track-" + id);
  if (!video) {
    const figure = document.createElement("figure");
    video = document.createElement("video");
    video.id = "track-" + id;
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    const caption = document.createElement("figcaption");
    caption.textContent = id.replace(/^ARDAMS[va]/, "");
    figure.append(video, caption);
    $("remotes").appendChild(figure);
    obj.track.addEventListener("ended", () => figure.remove());
  }
  video.srcObject = new MediaStream([obj.track]);
}

// Every server message by name ("takeConfiguration/offer", "notification/subtrackRemoved"),
// read beside the SDK's own handler (tests count re-offers with it).
function observeSocket() {
  const ws = state.adaptor && state.adaptor.webSocketAdaptor && state.adaptor.webSocketAdaptor.wsConn;
  if (!ws || ws.amsrtcObserved) return;
  ws.amsrtcObserved = true;
  ws.addEventListener("message", (ev) => {
    try {
      const msg = JSON.parse(ev.data);
      state.signals.push([msg.command, msg.type, msg.definition].filter(Boolean).join("/"));
    } catch {
      // not JSON: the SDK reports it
    }
  });
}
setInterval(observeSocket, 50);

const adaptor = new WebRTCAdaptor({
  websocket_url: serverUrl,
  mediaConstraints: mode === "play" ? { video: false, audio: false } : {
    video: size ? { width: Number(size[1]), height: Number(size[2]) } : true,
    audio: true,
  },
  peerconnection_config: params.get("iceServers") === "none" ? { iceServers: [], sdpSemantics: "unified-plan" } : undefined,
  sdp_constraints: { OfferToReceiveAudio: false, OfferToReceiveVideo: false },
  localVideoId: mode === "play" ? undefined : "localVideo",
  remoteVideoId: mode === "play" ? undefined : undefined,
  isPlayMode: mode === "play",
  bandwidth,
  debug: params.get("sdkdebug") === "1",
  callback: (info, obj) => {
    state.events.push(info);
    if (info === "pong") return;
    log(info + (obj && obj.streamId ? " " + obj.streamId : "") + (obj && obj.trackId ? " " + obj.trackId : ""));
    if (info === "initialized" && params.get("autostart") === "1") start();
    else if (info === "newTrackAvailable") showTrack(obj);
    else if (info === "publish_started" && mode === "conference") adaptor.play(room, "", room, []);
    else if (info === "publish_started" || info === "play_started") render();
  },
  callbackError: (error, message) => {
    // DOMExceptions (a refused SDP) stringify to {}: keep their text.
    const text = message instanceof Error || message instanceof DOMException
      ? `${message.name}: ${message.message}` : message ? JSON.stringify(message) : "";
    state.errors.push({ error: String(error), message: text });
    log(`error: ${error} ${text}`, true);
  },
});
state.adaptor = adaptor;

function start() {
  state.started = true;
  if (mode === "publish") adaptor.publish(streamId);
  else if (mode === "play") adaptor.play(streamId);
  else adaptor.publish(streamId, "", "", "", streamId, room); // mainTrack = room (§3.6)
  render();
}

function stop() {
  if (mode === "conference") {
    adaptor.stop(room);
    adaptor.stop(streamId);
  } else {
    adaptor.stop(streamId);
  }
  state.started = false;
  render();
}

function render() {
  $("start").disabled = state.started;
  $("stop").disabled = !state.started;
}
$("start").onclick = start;
$("stop").onclick = stop;
render();

// Stats for tests and the page: the publisher's outbound video (size,
// bitrate since the previous call) and inbound video per track.
const sent = []; // [{bytes, at}] of the outbound video, for a bitrate over the last second
window.amsrtcStats = async () => {
  const result = { outbound: null, inbound: {}, candidatePair: null };
  for (const [id, pc] of Object.entries(adaptor.remotePeerConnection)) {
    if (!pc) continue;
    const report = await pc.getStats();
    const midToTrack = (adaptor.idMapping && adaptor.idMapping[id]) || {};
    const transceivers = pc.getTransceivers();
    report.forEach((s) => {
      if (s.type === "outbound-rtp" && s.kind === "video") {
        sent.push({ bytes: s.bytesSent, at: s.timestamp });
        while (sent.length > 2 && s.timestamp - sent[1].at >= 1000) sent.shift();
        const first = sent[0];
        const bitrate = s.timestamp - first.at >= 900 ? ((s.bytesSent - first.bytes) * 8 * 1000) / (s.timestamp - first.at) : 0;
        result.outbound = { frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0, bytesSent: s.bytesSent, bitrate, targetBitrate: s.targetBitrate || 0 };
      } else if (s.type === "inbound-rtp" && s.kind === "video") {
        const t = transceivers.find((tr) => tr.receiver.track && tr.receiver.track.id === s.trackIdentifier);
        const key = (t && midToTrack[t.mid]) || s.mid || s.id;
        result.inbound[key] = { framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, codec: s.codecId };
      } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        result.candidatePair = { availableOutgoingBitrate: s.availableOutgoingBitrate || 0 };
      }
    });
  }
  return result;
};
