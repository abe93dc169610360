import type { Command } from 'commander';
import { buildTimeline, type Timeline } from '../../app/reports/index.js';
import { fashionSessionLocator } from '../../adapters/postgres/sessionLocator.js';
import { accountStream } from '../../core/ledger/index.js';
import { userIdArgument } from '../reports/userIdArgument.js';
import { instant, printJson, UsageError, withStore } from '../reports/withStore.js';

const pad = (text: string, width: number) => text.padEnd(width);

/** One line per event: when it was recorded, what it was, and the account after it. */
const printTimeline = (timeline: Timeline): void => {
  const lines = [
    `user ${timeline.userId} as of ${timeline.asOf}`,
    `${pad('position', 9)}${pad('recorded at', 26)}${pad('type', 26)}${pad('stream', 48)}balance available held debt`,
  ];
  for (const e of timeline.events) {
    const s = e.stateAfter;
    lines.push(
      [
        pad(String(e.position), 9),
        pad(e.recordedAt, 26),
        pad(e.type, 26),
        pad(e.stream, 48),
        pad(String(s.balance), 8),
        pad(String(s.available), 10),
        pad(String(s.held), 5),
        s.inDebt ? 'yes' : 'no',
      ].join(''),
    );
  }
  const s = timeline.state;
  lines.push(`now: balance ${s.balance}, available ${s.available}, held ${s.held}${s.inDebt ? ', IN DEBT' : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
};

export const register = (program: Command): void => {
  const user = program.command('user').description("support tools for one user's account");
  user
    .command('timeline <userId>')
    .description('every event of the account and its sessions, with the state after each (from the events)')
    .option('--as-of <iso>', 'leave out events recorded after this time')
    .option('--json', 'print one JSON document')
    .action(async (userId: string, options: { asOf?: string; json?: boolean }) => {
      userIdArgument('userId', userId);
      const asOf = instant('--as-of', options.asOf);
      await withStore(async ({ store, pool }) => {
        const [first] = await store.readStream(accountStream(userId), { maxCount: 1 });
        if (!first) throw new UsageError(`no account for user ${userId}`);
        const timeline = await buildTimeline(store, userId, { asOf, sessions: fashionSessionLocator(pool) });
        if (options.json) printJson(timeline);
        else printTimeline(timeline);
      });
    });
};
