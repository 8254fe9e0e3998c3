/**
 * Built-in prompts (media/assets/prompts, raw µ-law 8 kHz): what the caller hears when no model
 * voice is available. Read once per worker thread, on first use, and transcoded once to A-law
 * for PCMA legs. The asset directory is found by walking up from this file to the directory
 * holding package.json, so the same code works from `media/agent/*.ts` (tests) and from
 * `dist/media/agent/*.js` (production, where the assets are not copied).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ulawToAlaw } from '../codecs/g711.js';

export type BuiltinPrompt = 'provider-error';
type Law = 'pcmu' | 'pcma';

const cache = new Map<string, Uint8Array>();
let root: string | null | undefined;

/** The directory with package.json above `from` (default: this module), or null. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The prompt's audio in `law`, or an empty array when the asset cannot be read (the caller then
 * hears nothing, and the call still ends: a missing file must not keep a failed call open).
 */
export function builtinPrompt(name: BuiltinPrompt, law: Law): Uint8Array {
  const key = `${name}:${law}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const ulaw = law === 'pcmu' ? readPrompt(name) : builtinPrompt(name, 'pcmu');
  let audio = ulaw;
  if (law === 'pcma') {
    audio = new Uint8Array(ulaw.length);
    ulawToAlaw(ulaw, audio);
  }
  cache.set(key, audio);
  return audio;
}

function readPrompt(name: BuiltinPrompt): Uint8Array {
  if (root === undefined) root = packageRoot();
  if (root === null) return new Uint8Array(0);
  try {
    return new Uint8Array(readFileSync(join(root, 'media', 'assets', 'prompts', `${name}.ulaw`)));
  } catch {
    return new Uint8Array(0);
  }
}
