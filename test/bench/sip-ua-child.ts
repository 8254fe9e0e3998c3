/**
 * The UA under test for `test/bench/sip.ts`, in its own process: answers every INVITE at once
 * with 200 and an SDP answer, and reports its CPU time when asked over IPC.
 */
import { createAnswer } from '../../sip/sdp/index.js';
import { UserAgent } from '../../sip/ua/user-agent.js';

// --overload: the overload guard with its defaults (test/bench/sip.ts runs 1.3× capacity with it).
const overload = process.argv.includes('--overload') ? {} : undefined;
const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], sessionTimer: false, overload });
let answered = 0;
let failed = 0;
ua.on('invite', (req, res) => {
  const answer = createAnswer(req.sdp ?? '', { address: '127.0.0.1', port: 30000, codecs: ['PCMU'], sessionId: '1', version: 1 });
  if (!answer.ok) return void res.send(488);
  ua.createUAS(req, res, { localSdp: answer.sdp }).then(
    () => answered++,
    () => failed++,
  );
});

await ua.listen();
process.send?.({ type: 'ready', port: ua.address('udp') });
process.on('message', (message: { type: string }) => {
  if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    const memory = process.memoryUsage();
    process.send?.({ type: 'cpu', micros: usage.user + usage.system, wallMs: performance.now(), answered, failed, stats: ua.stats(), rss: memory.rss, heapUsed: memory.heapUsed });
  }
  if (message.type === 'stop') void ua.close(0).then(() => process.exit(0));
});
