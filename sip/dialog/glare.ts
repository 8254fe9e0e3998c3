/**
 * RFC 3261 §14.1: after a 491 to a re-INVITE, the UAC waits before trying again. The owner of the
 * Call-ID (the dialog's original UAC) waits 2.1–4 s, the other side 0–2 s, in units of 10 ms, so
 * the two sides do not collide again.
 */
export function glareRetryDelay(ownsCallId: boolean, random: () => number = Math.random): number {
  const units = ownsCallId ? 210 + Math.floor(random() * 191) : Math.floor(random() * 201);
  return units * 10;
}
