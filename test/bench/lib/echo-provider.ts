/**
 * Benchmark stand-in for a realtime speech provider, run as its own process (`fork`): a WebSocket
 * server speaking just enough of the OpenAI Realtime protocol for the production adapter
 * (`session.created` on connect, `session.updated` for `session.update`) that answers the
 * appended audio as `response.output_audio.delta` events after a fixed delay, like a model that
 * repeats the caller. Deltas are 20 ms each whatever the append size, so the provider's side of
 * the traffic does not change when the engine batches its appends.
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
const FRAME_BYTES = 160;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let sessions = 0;

server.on('connection', (socket: WebSocket) => {
  const session = ++sessions;
  let frames = 0;
  socket.send(JSON.stringify({ type: 'session.created', event_id: `evt_${session}_0`, session: { id: `sess_${session}` } }));
  socket.on('message', (data) => {
    let event: { type?: string; audio?: string; event_id?: string; session?: unknown };
    try {
      event = JSON.parse(String(data)) as typeof event;
    } catch {
      return;
    }
    if (event.type === 'session.update') {
      socket.send(JSON.stringify({ type: 'session.updated', event_id: `evt_${session}_1`, session: event.session }));
      return;
    }
    if (event.type !== 'input_audio_buffer.append' || typeof event.audio !== 'string') return;
    const audio = Buffer.from(event.audio, 'base64');
    const replies: string[] = [];
    for (let off = 0; off + FRAME_BYTES <= audio.length; off += FRAME_BYTES) {
      const n = frames++;
      const inCycle = n % (DELTAS_PER_ITEM + PAUSE_FRAMES);
      if (inCycle >= DELTAS_PER_ITEM) continue;
      const item = Math.floor(n / (DELTAS_PER_ITEM + PAUSE_FRAMES));
      replies.push(JSON.stringify({
        type: 'response.output_audio.delta',
        response_id: `resp_${session}_${item}`,
        item_id: `item_${session}_${item}`,
        output_index: 0,
        content_index: 0,
        delta: audio.toString('base64', off, off + FRAME_BYTES),
      }));
    }
    if (replies.length === 0) return;
    setTimeout(() => {
      for (const reply of replies) if (socket.readyState === socket.OPEN) socket.send(reply);
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
