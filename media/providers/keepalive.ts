/**
 * Dead-peer detection for a provider WebSocket. A provider that vanishes without closing (a
 * network black hole, a frozen proxy) would otherwise leave the call silent until the caller hangs
 * up. Every interval we send a WebSocket ping (RFC 6455 §5.5.2); a peer must answer with a pong
 * (§5.5.3). No pong by the next interval: the socket is declared dead and terminated, which the
 * adapter reports as an unexpected close.
 */
import type WebSocket from 'ws';

/** Starts pinging; returns the function that stops it. */
export function startKeepalive(ws: WebSocket, intervalMs: number, onDead: () => void): () => void {
  if (intervalMs <= 0) return () => {};
  let awaitingPong = false;
  const onPong = (): void => {
    awaitingPong = false;
  };
  ws.on('pong', onPong);
  const timer = setInterval(() => {
    if (awaitingPong) {
      stop();
      onDead();
      return;
    }
    awaitingPong = true;
    ws.ping();
  }, intervalMs);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    ws.off('pong', onPong);
  };
  return stop;
}
