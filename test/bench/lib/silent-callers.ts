/**
 * Pipeline benchmark callers (`fork`): N RTP callers sending µ-law silence (0xFF) at 50 packets/s
 * from one deadline scheduler, spread over four 5 ms phases, counting what the engine sends back.
 * Silence keeps the agents talking (no barge-in) while every call still streams to its STT.
 * IPC: open{count} → opened{ports}; start{targets}; stop → stopped{sent, received}.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

const sockets: Socket[] = [];
let targets: number[] = [];
let timer: NodeJS.Timeout | null = null;
let sent = 0;
let received = 0;
const packet = Buffer.alloc(172, 0xff);
packet[0] = 0x80;
packet[1] = 0;

process.on('message', async (m: { type: string; count?: number; targets?: number[] }) => {
  if (m.type === 'open') {
    const opened = await Promise.all(
      Array.from({ length: m.count ?? 0 }, () =>
        new Promise<Socket>((resolve) => {
          const s = createSocket('udp4');
          s.on('message', () => received++);
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
      ),
    );
    sockets.push(...opened);
    process.send?.({ type: 'opened', ports: opened.map((s) => s.address().port) });
  } else if (m.type === 'start') {
    targets = m.targets ?? [];
    const start = performance.now();
    let n = 0;
    const tick = (): void => {
      const phase = n % 4;
      for (let i = phase; i < targets.length; i += 4) {
        const seq = Math.floor(n / 4);
        packet.writeUInt16BE(seq & 0xffff, 2);
        packet.writeUInt32BE((seq * 160) >>> 0, 4);
        packet.writeUInt32BE(0x1000 + i, 8);
        sockets[sockets.length - targets.length + i].send(packet, targets[i], '127.0.0.1');
        sent++;
      }
      n++;
      timer = setTimeout(tick, Math.max(0, start + n * 5 - performance.now()));
    };
    tick();
  } else if (m.type === 'stop') {
    if (timer) clearTimeout(timer);
    for (const s of sockets.splice(0)) s.close();
    process.send?.({ type: 'stopped', sent, received });
  }
});
