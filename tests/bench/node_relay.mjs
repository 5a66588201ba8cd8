// The reference for the signaling benchmark: a minimal Node.js relay with
// the design of the seed's 40-line signaling server. `join` pairs two
// sockets on a streamId (the first gets `start`), and every other message is
// forwarded as-is to the partner. No validation, limits or rooms.
//
//   node node_relay.mjs [port]      prints "listening ws://127.0.0.1:PORT"
import { WebSocketServer } from "ws";

const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(process.argv[2] || 0) });
const calls = new Map(); // streamId -> [socket, socket]

wss.on("listening", () => console.log(`listening ws://127.0.0.1:${wss.address().port}`));
wss.on("connection", (ws) => {
  ws.streams = new Set();
  ws.on("message", (data, isBinary) => {
    if (isBinary) return;
    let message;
    try { message = JSON.parse(data); } catch { return; }
    const id = message.streamId;
    if (message.command === "ping") return ws.send('{"command":"pong"}');
    if (message.command === "join") {
      const peers = calls.get(id) || [];
      if (peers.length >= 2) return;
      peers.push(ws);
      calls.set(id, peers);
      ws.streams.add(id);
      ws.send(JSON.stringify({ command: "notification", definition: "joined", streamId: id }));
      if (peers.length === 2) peers[0].send(JSON.stringify({ command: "start", streamId: id }));
      return;
    }
    const partner = (calls.get(id) || []).find((peer) => peer !== ws);
    if (partner) partner.send(data, { binary: false });
  });
  ws.on("close", () => {
    for (const id of ws.streams) {
      const rest = (calls.get(id) || []).filter((peer) => peer !== ws);
      if (rest.length) calls.set(id, rest); else calls.delete(id);
    }
  });
});
