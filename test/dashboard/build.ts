/** Builds the dashboard from its sources into a fresh folder, as `npm run build` does into dist/. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export async function buildDashboard(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'voxgate-dashboard-'));
  await build({
    configFile: fileURLToPath(new URL('../../dashboard/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}
