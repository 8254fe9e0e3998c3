/**
 * Interop with SIPp 3.6 over real sockets on loopback: each test runs one scenario (one call)
 * against the UA-based test application and asserts SIPp's exit code and what the application saw.
 */
import { answered } from '../helpers/sip.js';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpTransport } from '../../sip/transport/udp.js';
import { createOffer } from '../../sip/sdp/index.js';
import { FaultTransport } from './fault-transport.js';
import { runSipp, type SippResult } from './sipp-runner.js';
import { localMedia, startTestApp, watch, type TestApp } from './sip-test-app.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function expectPassed(result: SippResult): void {
  if (result.code !== 0) throw new Error(`SIPp exited with ${result.code}\n${result.errors}\n${result.stdout}`);
}

describe('SIPp as the caller (inbound calls to the UA)', () => {
  it('(a) INVITE/100/180/200/ACK/BYE over UDP', async () => {
    app = await startTestApp();
    expectPassed(await runSipp({ scenario: 'uac-call.xml', remotePort: app.ua.address('udp') }));
    expect(app.log).toMatchObject({ invites: 1, answered: 1, destroyed: ['bye-received'], errors: [] });
  });

  it('(a) the same call over TCP', async () => {
    app = await startTestApp();
    expectPassed(await runSipp({ scenario: 'uac-call.xml', remotePort: app.ua.address('tcp'), transport: 'tcp' }));
    expect(app.log).toMatchObject({ invites: 1, answered: 1, destroyed: ['bye-received'], errors: [] });
  });

  it('(b) CANCEL before the answer gets 200, and the INVITE 487', async () => {
    app = await startTestApp({}, { answer: false });
    expectPassed(await runSipp({ scenario: 'uac-cancel.xml', remotePort: app.ua.address('udp') }));
    expect(app.log).toMatchObject({ invites: 1, cancels: 1, answered: 0 });
  });

  it('(c) recovers when the first INVITE and the first 200 are lost', async () => {
    let inviteLost = false;
    let okLost = false;
    const wire = new FaultTransport(new UdpTransport({ host: '127.0.0.1', port: 0 }), {
      dropIncoming: (line) => line.startsWith('INVITE') && !inviteLost && (inviteLost = true),
      dropOutgoing: (line) => line.startsWith('SIP/2.0 200') && !okLost && (okLost = true),
    });
    app = await startTestApp({ transports: [wire] });
    expectPassed(await runSipp({ scenario: 'uac-call.xml', remotePort: app.ua.address('udp') }));
    expect(wire.dropped).toEqual(['in INVITE ', 'out SIP/2.0 200 OK']);
    expect(app.log).toMatchObject({ invites: 1, answered: 1, destroyed: ['bye-received'] });
  });

  it('(d) the UA hangs up with BYE', async () => {
    app = await startTestApp();
    const current = app;
    void current.nextDialog().then((dialog) => setTimeout(() => void dialog.bye(), 100));
    expectPassed(await runSipp({ scenario: 'uac-bye-from-uas.xml', remotePort: app.ua.address('udp') }));
    expect(app.log.destroyed).toEqual(['bye-sent']);
  });

  it('(e) OPTIONS is answered 200 with Allow and Accept', async () => {
    app = await startTestApp();
    expectPassed(await runSipp({ scenario: 'options.xml', remotePort: app.ua.address('udp') }));
  });

  it('(f) re-INVITE hold (sendonly → recvonly) and unhold', async () => {
    app = await startTestApp();
    expectPassed(await runSipp({ scenario: 'uac-hold.xml', remotePort: app.ua.address('udp') }));
    expect(app.log.modifies).toEqual(['recvonly', 'sendrecv']);
    expect(app.log.destroyed).toEqual(['bye-received']);
  });

  it('(g) REFER from the UA resolves with the sipfrag status of the NOTIFY', async () => {
    app = await startTestApp();
    const outcome = app.nextDialog().then(async (dialog) => {
      const result = await dialog.refer('sip:+15550003333@127.0.0.1');
      await dialog.bye();
      return result;
    });
    expectPassed(await runSipp({ scenario: 'uac-refer.xml', remotePort: app.ua.address('udp') }));
    expect(await outcome).toEqual({ status: 200, reason: 'OK', stage: 'notify' });
  });
});

describe('SIPp as the callee (outbound calls from the UA)', () => {
  it('(h) answers a 401 digest challenge, then 200/ACK/BYE', async () => {
    app = await startTestApp();
    const ua = app.ua;
    const log = app.log;
    let placed: Promise<void> | undefined;
    const result = await runSipp({
      scenario: 'uas-digest.xml',
      onStarted: (port) => {
        placed = ua
          .createUAC(`sip:+15550009999@127.0.0.1:${port}`, { localSdp: createOffer(localMedia()), auth: { username: 'trunkuser', password: 's3cret' }, callingNumber: '+15550001111' })
          .then(async (outcome) => {
            const dialog = answered(outcome);
            watch(dialog, log);
            await new Promise((r) => setTimeout(r, 100));
            await dialog.bye();
          });
      },
    });
    expectPassed(result);
    await placed;
    expect(log.destroyed).toEqual(['bye-sent']);
  });
});
