import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createResponse } from '../../sip/message/build.js';
import { parseMessage } from '../../sip/message/parse.js';
import { serializeMessage } from '../../sip/message/serialize.js';
import type { SipRequest, SipResponse } from '../../sip/message/types.js';
import { UserAgent, type UserAgentOptions } from '../../sip/ua/user-agent.js';
import { answered } from '../helpers/sip.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function startUa(options: Partial<UserAgentOptions> = {}, host = '127.0.0.1'): Promise<UserAgent> {
  const ua = new UserAgent({ transports: [{ protocol: 'udp', host, port: 0 }, { protocol: 'tcp', host, port: 0 }], ...options });
  await ua.listen();
  cleanups.push(() => ua.close(0));
  return ua;
}

async function udpSocket(host = '127.0.0.1'): Promise<UdpSocket & { messages: Buffer[] }> {
  const socket = Object.assign(createSocket(host.includes(':') ? 'udp6' : 'udp4'), { messages: [] as Buffer[] });
  socket.on('message', (m) => socket.messages.push(m));
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

function options(viaHostPort: string, branch: string, extraVia = ';rport'): string {
  return [
    `OPTIONS sip:probe@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP ${viaHostPort};branch=${branch}${extraVia}`,
    'Max-Forwards: 70',
    'From: <sip:probe@example.com>;tag=p1',
    'To: <sip:ua@example.com>',
    `Call-ID: ${branch}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function waitFor<T>(fn: () => T | undefined, ms = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function parseResponse(data: Buffer): SipResponse {
  const result = parseMessage(data);
  if (!result.ok || result.message.kind !== 'response') throw new Error('not a response');
  return result.message;
}

describe('UDP transport (RFC 3261 §18, RFC 3581)', () => {
  it('answers the source port and stamps received/rport when the request asks for rport', async () => {
    const ua = await startUa();
    const client = await udpSocket();
    client.send(options('192.0.2.7:5999', 'z9hG4bKudp1'), ua.address('udp')!, '127.0.0.1');
    const response = parseResponse(await waitFor(() => client.messages[0]));
    expect(response.status).toBe(200);
    expect(response.headers.get('via')).toBe(`SIP/2.0/UDP 192.0.2.7:5999;branch=z9hG4bKudp1;rport=${client.address().port};received=127.0.0.1`);
  });

  it('answers the sent-by port when there is no rport (§18.2.2)', async () => {
    const ua = await startUa();
    const sender = await udpSocket();
    const listener = await udpSocket();
    sender.send(options(`127.0.0.1:${listener.address().port}`, 'z9hG4bKudp2', ''), ua.address('udp')!, '127.0.0.1');
    const response = parseResponse(await waitFor(() => listener.messages[0]));
    expect(response.status).toBe(200);
    expect(sender.messages).toHaveLength(0);
  });

  it('answers a malformed request with 400 and drops what it cannot answer, without crashing', async () => {
    const ua = await startUa();
    const client = await udpSocket();
    const port = ua.address('udp')!;
    client.send(options('127.0.0.1:1', 'z9hG4bKbad').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'), port, '127.0.0.1');
    client.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), port, '127.0.0.1');
    client.send('\r\n\r\n', port, '127.0.0.1');
    const text = (await waitFor(() => client.messages[0])).toString();
    expect(text).toMatch(/^SIP\/2\.0 400 Bad Request \(/);
    await waitFor(() => (ua.stats().transport.dropped === 1 ? true : undefined));
    client.send(options('127.0.0.1:1', 'z9hG4bKafter'), port, '127.0.0.1');
    expect(parseResponse(await waitFor(() => client.messages[1])).status).toBe(200);
  });
});

describe('TCP transport (RFC 3261 §18.3, RFC 5626 keep-alive)', () => {
  function tcpClient(port: number): Promise<Socket & { chunks: Buffer[] }> {
    return new Promise((resolve) => {
      const socket = Object.assign(connect(port, '127.0.0.1'), { chunks: [] as Buffer[] });
      socket.on('data', (d) => socket.chunks.push(d));
      socket.on('connect', () => resolve(socket));
      socket.on('error', () => undefined);
      cleanups.push(() => void socket.destroy());
    });
  }

  it('answers over the connection the request came on and answers CRLF pings', async () => {
    const ua = await startUa();
    const client = await tcpClient(ua.address('tcp')!);
    client.write(options('192.0.2.9:5060', 'z9hG4bKtcp1', '').replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
    const response = parseResponse(await waitFor(() => client.chunks[0]));
    expect(response.status).toBe(200);
    client.write('\r\n\r\n');
    expect((await waitFor(() => client.chunks[1])).toString()).toBe('\r\n');
  });

  it('closes a connection whose framing is lost, and idle connections after the timeout', async () => {
    const ua = await startUa({ tcpIdleTimeoutMs: 1000 });
    const broken = await tcpClient(ua.address('tcp')!);
    const closedBroken = new Promise((resolve) => broken.on('close', resolve));
    broken.write('OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKn\r\n\r\n'); // no Content-Length
    await closedBroken;
    const idle = await tcpClient(ua.address('tcp')!);
    const closedIdle = new Promise((resolve) => idle.on('close', resolve));
    const opened = Date.now();
    await closedIdle;
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900);
  });

  it('reuses one outbound connection for requests to the same target', async () => {
    const ua = await startUa();
    let connections = 0;
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.on('data', (data) => {
        const parsed = parseMessage(data, { transport: 'stream' });
        if (parsed.ok && parsed.message.kind === 'request') socket.write(serializeMessage(createResponse(parsed.message as SipRequest, 200)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }));
    const port = (server.address() as { port: number }).port;
    const target = `sip:far@127.0.0.1:${port};transport=tcp`;
    expect((await ua.request(target, { method: 'OPTIONS' })).status).toBe(200);
    expect((await ua.request(target, { method: 'OPTIONS' })).status).toBe(200);
    expect(connections).toBe(1);
  });
});

describe('advertised address and IPv6', () => {
  it('puts publicAddress in Via and Contact while binding the private address', async () => {
    const ua = await startUa({ publicAddress: '203.0.113.5' });
    const far = await udpSocket();
    const pending = ua.request(`sip:far@127.0.0.1:${far.address().port}`, { method: 'OPTIONS' });
    const text = (await waitFor(() => far.messages[0])).toString();
    expect(text).toMatch(new RegExp(`Via: SIP/2.0/UDP 203\\.0\\.113\\.5:${ua.address('udp')};branch=z9hG4bK[^;]+;rport`));
    expect(text).toContain(`Contact: <sip:203.0.113.5:${ua.address('udp')}>`);
    const request = parseMessage(far.messages[0]);
    if (!request.ok || request.message.kind !== 'request') throw new Error('bad request');
    far.send(serializeMessage(createResponse(request.message, 200)), ua.address('udp')!, '127.0.0.1');
    expect((await pending).status).toBe(200);
  });

  const hasIpv6 = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6' && i.address === '::1'));
  it.runIf(hasIpv6)('carries a call over IPv6 loopback', async () => {
    const a = await startUa({}, '::1');
    const b = await startUa({}, '::1');
    b.on('invite', (req, res) => void b.createUAS(req, res, { localSdp: 'v=0\r\n' }));
    const dialog = answered(await a.createUAC(`sip:b@[::1]:${b.address('udp')}`, { localSdp: 'v=0\r\n' }));
    expect(dialog.state.remoteTarget.host).toBe('::1');
    await dialog.bye();
    expect(b.stats().dialogs).toBe(0);
  });
});
