/**
 * A call that plays one built-in prompt and hangs up: no credits left, no provider key, an agent
 * that cannot run. No model is involved, so it works when everything else is missing — the caller
 * hears why instead of silence. The prompt starts on answer; once it was heard the worker asks to
 * hang up (bounded, in case playout never reports it).
 */
import type { CallLogic, CallLogicFactory } from '../call/types.js';
import { builtinPrompt, type BuiltinPrompt } from './prompts.js';

const ANNOUNCEMENTS: readonly BuiltinPrompt[] = ['provider-error', 'no-credits', 'call-rejected'];
const ITEM = 'announcement';
/** Longer than any prompt; the hang-up is asked for even if playout never says it finished. */
const MAX_PLAY_MS = 20_000;

export type Announcement = BuiltinPrompt;

/** `call.start.agent` for an announcement-only call. */
export interface AnnouncementConfig {
  kind: 'announcement';
  prompt: Announcement;
}

export function isAnnouncement(agent: unknown): agent is AnnouncementConfig {
  const a = agent as Partial<AnnouncementConfig> | null;
  return a !== null && typeof a === 'object' && a.kind === 'announcement' && ANNOUNCEMENTS.includes(a.prompt as BuiltinPrompt);
}

export const createAnnouncementLogic: CallLogicFactory = (media, start, host): CallLogic => {
  const { prompt } = start.agent as AnnouncementConfig;
  let timer: NodeJS.Timeout | null = null;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    host.requestHangup('announcement-played');
  };
  media.onItemPlayed((played) => {
    if (played.itemId === ITEM) finish();
  });
  return {
    answered() {
      const audio = builtinPrompt(prompt, media.agentFormat);
      if (audio.length === 0) return finish();
      media.playAgentAudio(audio, ITEM);
      timer = setTimeout(finish, MAX_PLAY_MS);
    },
    close() {
      if (timer) clearTimeout(timer);
      // Only a prompt played: the caller never reached a working agent (not billed).
      return { usage: {}, messages: [], agentReached: false };
    },
  };
};
