import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { BenchReport } from '../bench/report.js';

const BENCH_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench');

const suites = async (): Promise<string[]> =>
  (await readdir(BENCH_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'report.ts')
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();

export const register = (program: Command): void => {
  program
    .command('bench')
    .description('run a benchmark suite; prints one JSON document on stdout')
    .argument('<suite>', 'eventstore | ledger | projections | …')
    .action(async (suite: string) => {
      const available = await suites();
      if (!available.includes(suite))
        throw new Error(`unknown bench suite "${suite}"; available: ${available.join(', ')}`);
      const module = (await import(path.join(BENCH_DIR, `${suite}.ts`))) as {
        run(options: { log: (line: string) => void }): Promise<BenchReport>;
      };
      const result = await module.run({ log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exit(0);
    });
};
