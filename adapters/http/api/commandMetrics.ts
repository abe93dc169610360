import type { CommandResult } from '../../../core/eventstore/index.js';
import type { AccountCommand, Rejection } from '../../../core/ledger/index.js';
import { commandsTotal } from '../metrics.js';

/** Runs a ledger command on a user's account; the lead wires the real command handler. */
export type ExecuteAccount = (userId: string, command: AccountCommand) => Promise<CommandResult<Rejection>>;

/** Counts every command a route executes by type and outcome (`ok` or the rejection code). */
export const countedExecute = (execute: ExecuteAccount): ExecuteAccount => async (userId, command) => {
  try {
    const result = await execute(userId, command);
    commandsTotal.inc({ command: command.type, outcome: result.ok ? 'ok' : result.rejection });
    return result;
  } catch (error) {
    commandsTotal.inc({ command: command.type, outcome: 'error' });
    throw error;
  }
};
