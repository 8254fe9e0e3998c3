/**
 * Benchmark stand-in for a realtime speech provider, run as its own process (`fork`): a WebSocket
 * server that answers every `input_audio_buffer.append` with the same audio as a
 * `response.output_audio.delta` event after a fixed delay, like a model that repeats the caller.
 * Tells the parent its port over IPC: `{ type: 'listening', port }`; answers `cpu` with its CPU time.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const delayMs = Number(process.argv[2] ?? 50);
/** A new item id every second of audio, so the engine's item accounting is exercised. */
const DELTAS_PER_ITEM = 50;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let sessions = 0;

server.on('connection', (socket: WebSocket) => {
  const session = ++sessions;
  let deltas = 0;
  socket.on('message', (data) => {
    let event: { type?: string; audio?: string };
    try {
      event = JSON.parse(String(data)) as typeof event;
    } catch {
      return;
    }
    if (event.type !== 'input_audio_buffer.append' || typeof event.audio !== 'string') return;
    const item = Math.floor(deltas++ / DELTAS_PER_ITEM);
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
