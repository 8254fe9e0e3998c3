/**
 * Calls that get a built-in prompt instead of their agent (no credits, no provider key, an agent
 * that cannot run): the media worker plays the prompt (media/assets/prompts) and asks to hang up
 * once it was heard. No model and no key are involved, so the caller never meets silence.
 */
import type { Announcement, AnnouncementConfig } from '../../media/index.js';

export type { Announcement };

export function announcement(prompt: Announcement): AnnouncementConfig {
  return { kind: 'announcement', prompt };
}
