/**
 * Free ports for tests, picked outside the kernel's ephemeral range: what a test picks is bound
 * later (a child engine seconds later, a media pool only as calls need ports), and no socket bound
 * to port 0 and no outgoing connection (the tests' database and Redis clients) can be handed a
 * port out there meanwhile. CI once lost a SIP port that way.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where `freePort` picks: below Linux's ephemeral range (32768–60999) and clear of the test
 * engines' RTP ranges (10000–20000 by default, 30000 and up where a test sets its own).
 */
const PICK_FROM = 20_100;
const PICK_SPAN = 9_900;

/** A port free for both UDP and TCP on every local address right now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PICK_FROM + Math.floor(Math.random() * PICK_SPAN);
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
}

/**
 * A block of `size` consecutive free UDP ports starting at an even port (tests never use fixed
 * ports), above the kernel's ephemeral range where there is room (61000–65535 by default).
 */
export async function freePortBlock(size: number): Promise<{ min: number; max: number }> {
  const top = ephemeralRangeTop();
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = top + 1 + size <= 65535 ? evenAtOrAbove(top + 1 + Math.floor(Math.random() * (65535 - top - size))) : await ephemeralPort();
    if (min + size - 1 <= 65535 && (await allUdpFree(min, min + size - 1))) return { min, max: min + size - 1 };
  }
  throw new Error('no free port block');
}

/** The last port of the kernel's ephemeral range (Linux: 60999 by default). */
function ephemeralRangeTop(): number {
  try {
    const [, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(high) ? high : 65535;
  } catch {
    return 65535; // unknown: fall back to ports the kernel hands out
  }
}

const evenAtOrAbove = (port: number): number => (port % 2 === 0 ? port : port + 1);

async function ephemeralPort(): Promise<number> {
  const probe = createSocket('udp4');
  const port = await new Promise<number>((resolve) => probe.bind(0, '127.0.0.1', () => resolve(probe.address().port)));
  probe.close();
  return evenAtOrAbove(port);
}

async function allUdpFree(min: number, max: number): Promise<boolean> {
  for (let port = min; port <= max; port++) if (!(await udpFree(port))) return false;
  return true;
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}
