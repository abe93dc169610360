import { Command, CommanderError } from 'commander';
import { UsageError } from './reports/withStore.js';
import { VERSION } from './runtime.js';

/**
 * The `modera` CLI. Each module of scripts/commands/ exports `register`, which adds one command;
 * adding a command is adding its module and one line to `COMMANDS`.
 */
export type RegisterCommand = (program: Command) => void;

type CommandModule = { register: RegisterCommand };

/**
 * Every command, by the name typed after `modera`, loaded only when asked for: each module imports
 * what its command needs, and loading all of them costs about 2 s more per call (grammY, the AI
 * and payment SDKs).
 */
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  bench: () => import('./commands/bench.js'),
  demo: () => import('./commands/demo.js'),
  finance: () => import('./commands/finance.js'),
  migrate: () => import('./commands/migrate.js'),
  payments: () => import('./commands/payments.js'),
  projections: () => import('./commands/projections.js'),
  start: () => import('./commands/start.js'),
  user: () => import('./commands/user.js'),
};

/**
 * The program with the commands `args` can reach: only the named command when the first argument
 * names one, every command otherwise (help, an unknown name that commander then answers with
 * suggestions).
 */
export const buildProgram = async (args: readonly string[] = []): Promise<Command> => {
  const program = new Command('modera')
    .description('Modera credit ledger: event store, projections, payments, bot')
    .version(VERSION)
    .showHelpAfterError();
  const name = args[0];
  const named = name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
  for (const command of named) (await COMMANDS[command]!()).register(program);
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
