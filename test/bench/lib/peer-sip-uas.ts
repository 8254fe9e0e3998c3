/**
 * The minimal UAS on the npm `sip` package for `npm run bench -- peers`: answers every INVITE
 * with 200 and a fixed SDP answer (no negotiation), every BYE with 200, ignores ACK. Port as
 * argv[2]; prints "ready" when listening.
 */
import { createRequire } from 'node:module';

/* eslint-disable @typescript-eslint/no-explicit-any */
const require = createRequire(import.meta.url);
const sip = require('sip');
const port = Number(process.argv[2]);
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';
let tag = 0;

sip.start({ address: '127.0.0.1', port, tcp: false }, (rq: any) => {
  if (rq.method === 'ACK') return;
  if (rq.method === 'INVITE') {
    const rs = sip.makeResponse(rq, 200, 'OK');
    rs.headers.to.params.tag = `t${++tag}`;
    rs.headers.contact = [{ uri: `sip:uas@127.0.0.1:${port}` }];
    rs.headers['content-type'] = 'application/sdp';
    rs.content = SDP;
    return sip.send(rs);
  }
  sip.send(sip.makeResponse(rq, rq.method === 'BYE' ? 200 : 405, rq.method === 'BYE' ? 'OK' : 'Method Not Allowed'));
});
process.stdout.write('ready\n');
