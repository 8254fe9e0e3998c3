/**
 * `npm run bench -- <suite> [--quick]`: runs test/bench/<suite>.ts, prints its figures as one
 * JSON line (last line of output) and writes them to test/bench/results/<suite>.json
 * (<suite>-quick.json with --quick, so a quick look never replaces the full run's figures).
 * A suite module exports `run({ quick }): Promise<Record<string, unknown>>`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus } from 'node:os';

const SUITES = ['sip', 'media', 'call', 'analysis', 'pipeline', 'metrics', 'campaign', 'peers'] as const;
type Suite = (typeof SUITES)[number];

interface BenchModule {
  run(options: { quick: boolean }): Promise<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const requested = args.filter((a) => !a.startsWith('--'));
  const suites = (requested.length ? requested : SUITES) as Suite[];
  for (const suite of suites) {
    if (!SUITES.includes(suite)) {
      console.error(`unknown bench suite "${suite}"; choose one of: ${SUITES.join(', ')}`);
      process.exit(2);
    }
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const all: Record<string, unknown> = {};
  for (const suite of suites) {
    const mod = (await import(pathToFileURL(join(here, `${suite}.ts`)).href)) as BenchModule;
    const figures = await mod.run({ quick });
    const result = {
      suite,
      quick,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      ...figures,
    };
    const file = join(here, 'results', `${suite}${quick ? '-quick' : ''}.json`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    all[suite] = result;
  }
  console.log(JSON.stringify(suites.length === 1 ? all[suites[0]] : all));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
