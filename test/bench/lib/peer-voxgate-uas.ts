/**
 * voxgate's UAS for `npm run bench -- peers`: the same as test/bench/sip-ua-child.ts (a
 * `UserAgent` answering every INVITE with 200 and a negotiated SDP answer), on the port given as
 * argv[2]; prints "ready" when listening.
 */
import { createAnswer } from '../../../sip/sdp/index.js';
import { UserAgent } from '../../../sip/ua/user-agent.js';

const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: Number(process.argv[2]) }], sessionTimer: false });
ua.on('invite', (req, res) => {
  const answer = createAnswer(req.sdp ?? '', { address: '127.0.0.1', port: 30000, codecs: ['PCMU'], sessionId: '1', version: 1 });
  if (!answer.ok) return void res.send(488);
  ua.createUAS(req, res, { localSdp: answer.sdp }).catch(() => undefined);
});
await ua.listen();
process.stdout.write('ready\n');
