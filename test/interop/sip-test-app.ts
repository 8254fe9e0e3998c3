/**
 * The small application the SIPp interop tests talk to: a `UserAgent` that answers every INVITE
 * (180, then 200 with an SDP answer from `sip/sdp`), answers hold/unhold re-INVITEs with the
 * mirrored direction, and records what it saw so tests can assert on it.
 */
import { answerDirection, createAnswer, readSession, type LocalMedia } from '../../sip/sdp/index.js';
import type { Dialog } from '../../sip/ua/dialog.js';
import type { DialogDestroyReason } from '../../sip/ua/dialog-types.js';
import { UserAgent, type UserAgentOptions } from '../../sip/ua/user-agent.js';

export interface AppLog {
  invites: number;
  cancels: number;
  answered: number;
  modifies: string[];
  destroyed: DialogDestroyReason[];
  errors: string[];
}

export interface TestApp {
  ua: UserAgent;
  log: AppLog;
  /** Resolves with each confirmed inbound dialog. */
  nextDialog(): Promise<Dialog>;
  close(): Promise<void>;
}

let version = 1;

export function localMedia(direction: LocalMedia['direction'] = 'sendrecv'): LocalMedia {
  return { address: '127.0.0.1', port: 41000, codecs: ['PCMU', 'PCMA'], sessionId: '4242', version: version++, direction };
}

export async function startTestApp(options: Partial<UserAgentOptions> = {}, behaviour: { answer?: boolean } = {}): Promise<TestApp> {
  const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }, { protocol: 'tcp', host: '127.0.0.1', port: 0 }], ...options });
  const log: AppLog = { invites: 0, cancels: 0, answered: 0, modifies: [], destroyed: [], errors: [] };
  const waiting: Array<(d: Dialog) => void> = [];
  const ready: Dialog[] = [];
  ua.on('invite', (req, res) => {
    log.invites++;
    req.on('cancel', () => log.cancels++);
    res.send(180);
    if (behaviour.answer === false) return;
    const answer = createAnswer(req.sdp ?? '', localMedia());
    if (!answer.ok) return void res.send(answer.error.status);
    ua.createUAS(req, res, { localSdp: answer.sdp }).then(
      (dialog) => {
        log.answered++;
        watch(dialog, log);
        const take = waiting.shift();
        if (take) take(dialog);
        else ready.push(dialog);
      },
      (err: Error) => log.errors.push(err.message),
    );
  });
  await ua.listen();
  return {
    ua,
    log,
    nextDialog: () => new Promise((resolve) => (ready.length ? resolve(ready.shift() as Dialog) : waiting.push(resolve))),
    close: () => ua.close(500),
  };
}

/** Answers offers in the dialog with the mirrored direction (hold: sendonly → recvonly). */
export function watch(dialog: Dialog, log: AppLog): void {
  dialog.on('destroyed', (reason) => log.destroyed.push(reason));
  dialog.on('modify', (req, res) => {
    const remote = readSession(req.sdp ?? '');
    const direction = 'code' in remote ? 'sendrecv' : answerDirection(remote.media[0].direction);
    log.modifies.push(direction);
    const answer = createAnswer(req.sdp ?? '', localMedia(direction));
    if (answer.ok) res.send(200, { body: answer.sdp });
    else res.send(answer.error.status);
  });
}
