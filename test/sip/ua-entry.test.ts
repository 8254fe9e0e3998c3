/** The public entry exposes what an application needs to run a call end to end. */
import { describe, expect, it } from 'vitest';
import * as sip from '../../sip/index.js';
import { answered } from '../helpers/sip.js';

describe('sip/index.ts', () => {
  it('runs a call with nothing but the public entry', async () => {
    const clock = new sip.FakeClock();
    const net = new sip.LoopbackNetwork(clock);
    const caller = new sip.UserAgent({ transports: [net.endpoint({ address: '127.0.0.1' })], clock });
    const callee = new sip.UserAgent({ transports: [net.endpoint({ address: '127.0.0.2', port: 5070 })], clock });
    await caller.listen();
    await callee.listen();
    const local: sip.LocalMedia = { address: '127.0.0.1', port: 4000, codecs: ['PCMU'], sessionId: '1', version: 1 };
    const answering = new Promise<sip.Dialog>((resolve) => {
      callee.on('invite', (req: sip.IncomingRequest, res: sip.ServerResponse) => {
        const answer = sip.createAnswer(req.sdp ?? '', { ...local, port: 5000 });
        if (answer.ok) void callee.createUAS(req, res, { localSdp: answer.sdp }).then(resolve);
      });
    });
    const dialog = answered(await caller.createUAC('sip:agent@127.0.0.2:5070', { localSdp: sip.createOffer(local) }));
    const other = await answering;
    const ended = new Promise<sip.DialogDestroyReason>((resolve) => other.on('destroyed', resolve));
    await dialog.bye();
    expect(await ended).toBe('bye-received');
    expect(sip.isSipError(new sip.SipError('SIP_REJECTED', 486, 'Busy Here'))).toBe(true);
    expect(typeof sip.parseMessage).toBe('function');
    expect(typeof sip.digest.DigestClient).toBe('function');
    await caller.close(0);
    await callee.close(0);
  });
});
