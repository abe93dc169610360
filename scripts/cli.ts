import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { UsageError } from './reports/withStore.js';
import { VERSION } from './runtime.js';

/**
 * The `modera` CLI. Every file in scripts/commands/ (other than tests) exports `register`, which
 * adds one command: adding a command is adding one file.
 */
export type RegisterCommand = (program: Command) => void;

const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

/**
 * The program with the commands `args` can reach: only the named command's file when the first
 * argument names one (each file imports what its command needs, and loading all of them costs
 * about 2 s more per call: grammY, the AI and payment SDKs), every command otherwise (help, an
 * unknown name that commander then answers with suggestions).
 */
export const buildProgram = async (args: readonly string[] = []): Promise<Command> => {
  const program = new Command('modera')
    .description('Modera credit ledger: event store, projections, payments, bot')
    .version(VERSION)
    .showHelpAfterError();
  const files = (await readdir(COMMANDS_DIR)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  const named = files.filter((file) => file === `${args[0]}.ts`);
  for (const file of named.length === 1 ? named : files) {
    const module = (await import(path.join(COMMANDS_DIR, file))) as { register?: RegisterCommand };
    module.register?.(program);
  }
  return program;
};

const program = await buildProgram(process.argv.slice(2));
program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`modera: ${(error as Error).message}\n`);
  // A UsageError says its own code (2 for a malformed option); anything else is 1.
  process.exit(error instanceof UsageError ? error.exitCode : 1);
}
