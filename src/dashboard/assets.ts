/**
 * Where the built dashboard is (`npm run build` → dist/dashboard/). From the compiled engine
 * (dist/src/dashboard/) it is two folders up; from the sources run by tsx, under dist/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CANDIDATES = ['../../dashboard/', '../../dist/dashboard/'];

/** The folder holding index.html, or null when the dashboard was not built. */
export function builtDashboardDir(): string | null {
  for (const relative of CANDIDATES) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`) && existsSync(`${dir}assets`)) return dir;
  }
  return null;
}
