/**
 * voxgate's UAS for `npm run bench -- peers`: a `UserAgent` (transactions, dialog, RFC 6026
 * timers) answering every INVITE with 200 and the same fixed SDP answer as the minimal UAS on
 * the npm `sip` package (lib/peer-sip-uas.ts), so both run the same application; port as
 * argv[2]; prints "ready" when listening. (test/bench/sip.ts negotiates SDP per call instead.)
 */
import { UserAgent } from '../../../sip/ua/user-agent.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';
// The default cap of 100 000 live server transactions is a memory guard; the step series here
// adds up 64·T1 tails of several steps in one process (the sip package has no cap at all).
const ua = new UserAgent({
  transports: [{ protocol: 'udp', host: '127.0.0.1', port: Number(process.argv[2]) }],
  sessionTimer: false,
  maxServerTransactions: 1_000_000,
});
ua.on('invite', (req, res) => {
  ua.createUAS(req, res, { localSdp: SDP }).catch(() => undefined);
});
await ua.listen();
process.stdout.write('ready\n');
