/**
 * `npm test`: builds tap's plugin set when an install left the default one, then runs tap.
 *
 * Each test file starts its own embedded PostgreSQL (test/support/database.ts). One server for the
 * whole run was tried and measured faster, but it is not isolated: the event store's read horizon
 * (`pg_snapshot_xmin`) is cluster-wide, so a transaction held open in one test's database hid
 * fresh events from tests in every other database. Arguments are passed to tap unchanged; the exit
 * code is tap's.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TAP_BIN = path.resolve('node_modules/.bin/tap');

/** tap's plugin set as built at install, with every default plugin (the TypeScript loader too). */
const TAP_BUILT = path.resolve('node_modules/@tapjs/test/test-built/dist/esm/index.js');

/**
 * `npm install` builds tap with its default plugins; .taprc drops the TypeScript one (tsx loads
 * TypeScript instead). tap rebuilds itself on the first run that sees the difference, but that
 * run's test processes still load the old set: build before the first run (about 12 s of CPU,
 * once per install), so every test process starts with one loader.
 */
const ensureTapBuilt = async (): Promise<void> => {
  const built = await readFile(TAP_BUILT, 'utf8').catch(() => '');
  if (!built.includes('@tapjs/typescript')) return;
  const code = await runTap(['build'], process.env);
  if (code !== 0) throw new Error(`tap build failed (exit ${code})`);
};

const runTap = (args: string[], env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(TAP_BIN, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 1 : 0));
    });
  });

const main = async (): Promise<number> => {
  await ensureTapBuilt();
  return runTap(process.argv.slice(2), process.env);
};

process.exitCode = await main();
