import type { ExecuteAccount } from '../../../app/support/actions.js';
import { commandsTotal } from '../metrics.js';

export type { ExecuteAccount };

/** Counts every command a route executes by type and outcome (`ok` or the rejection code). */
export const countedExecute =
  (execute: ExecuteAccount): ExecuteAccount =>
  async (userId, command) => {
    try {
      const result = await execute(userId, command);
      commandsTotal.inc({ command: command.type, outcome: result.ok ? 'ok' : result.rejection });
      return result;
    } catch (error) {
      commandsTotal.inc({ command: command.type, outcome: 'error' });
      throw error;
    }
  };
