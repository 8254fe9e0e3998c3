/**
 * Benchmark stand-in for a realtime speech provider, run as its own process (`fork`): a WebSocket
 * server that answers `input_audio_buffer.append` with the same audio as a
 * `response.output_audio.delta` event after a fixed delay, like a model that repeats the caller.
 * Tells the parent its port over IPC: `{ type: 'listening', port }`; answers `cpu` with its CPU time.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const delayMs = Number(process.argv[2] ?? 50);
/**
 * Like a model taking turns: each item is one second of the caller's audio (50 frames), then the
 * next 10 frames (200 ms) are not answered, so the engine's playout queue drains between items
 * as it does between real responses (a gapless echo would keep whatever depth a hiccup left).
 */
const DELTAS_PER_ITEM = 50;
const PAUSE_FRAMES = 10;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let sessions = 0;

server.on('connection', (socket: WebSocket) => {
  const session = ++sessions;
  let appends = 0;
  socket.on('message', (data) => {
    let event: { type?: string; audio?: string };
    try {
      event = JSON.parse(String(data)) as typeof event;
    } catch {
      return;
    }
    if (event.type !== 'input_audio_buffer.append' || typeof event.audio !== 'string') return;
    const n = appends++;
    const inCycle = n % (DELTAS_PER_ITEM + PAUSE_FRAMES);
    if (inCycle >= DELTAS_PER_ITEM) return;
    const item = Math.floor(n / (DELTAS_PER_ITEM + PAUSE_FRAMES));
    const reply = JSON.stringify({
      type: 'response.output_audio.delta',
      response_id: `resp_${session}_${item}`,
      item_id: `item_${session}_${item}`,
      output_index: 0,
      content_index: 0,
      delta: event.audio,
    });
    setTimeout(() => {
      if (socket.readyState === socket.OPEN) socket.send(reply);
    }, delayMs);
  });
  socket.on('error', () => undefined);
});

server.on('listening', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

// The benchmark asks for this process's CPU time to tell its load apart from the engine's.
process.on('message', (msg: { type?: string }) => {
  if (msg?.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
});

process.on('disconnect', () => process.exit(0));
