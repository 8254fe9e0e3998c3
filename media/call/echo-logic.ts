/**
 * Loopback call logic for tests, the benchmark and a smoke check of a deployment: the caller
 * hears themselves. Items change every second so item accounting is exercised; DTMF `#` asks
 * the main thread to hang up; `say` and `end-call` controls are acknowledged as events.
 */
import type { CallLogic, CallLogicFactory } from './types.js';

const FRAMES_PER_ITEM = 50;

export const createEchoLogic: CallLogicFactory = (media, _start, host): CallLogic => {
  let frames = 0;
  let item = 0;
  let itemId = 'echo-0';
  media.onCallerAudio((payload) => {
    media.playAgentAudio(payload, itemId);
    if (++frames % FRAMES_PER_ITEM === 0) itemId = `echo-${++item}`;
  });
  media.onItemPlayed((played) => host.event({ kind: 'item-played', itemId: played.itemId, playedMs: played.playedMs }));
  media.onDtmf((digit) => {
    if (digit === '#') host.requestHangup('dtmf');
  });
  return {
    control(control) {
      if (control.kind === 'say') host.event({ kind: 'transcript', role: 'assistant', text: control.content, final: true });
      else if (control.kind === 'end-call') host.requestHangup('end-call');
    },
    close() {
      return { usage: { echoedFrames: frames }, messages: [] };
    },
  };
};
