import type { Command } from 'commander';
import type pg from 'pg';
import type { EventStore } from '../../core/eventstore/index.js';
import type { ProjectionHealth } from '../../projections/health.js';
import {
  PROJECTIONS,
  projectionByName,
  projectionStatus,
  readCheckpoints,
  rebuildProjection,
  reconcile,
  repairStream,
  streamQuarantine,
  type ReconcileReport,
  type RepairResult,
  type RebuildResult,
} from '../../projections/index.js';
import { userIdArgument } from '../reports/userIdArgument.js';
import { printJson, UsageError, withStore } from '../reports/withStore.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const printStatus = (projections: ProjectionHealth[], rebuilds: Array<{ name: string; position: number }>): void => {
  const lines = projections.map(
    (p) =>
      `${p.name.padEnd(12)} ${p.state.padEnd(8)} position ${p.position} of ${p.head}, ` +
      `${p.lagEvents} events and ${p.lagSeconds} s behind${p.error ? `\n  error: ${p.error}` : ''}`,
  );
  for (const r of rebuilds)
    lines.push(`rebuild of ${r.name} unfinished, shadow at position ${r.position} (run rebuild again to resume)`);
  process.stdout.write(`${lines.join('\n')}\n`);
};

const printReconcile = (report: ReconcileReport): void => {
  const lines = [
    `verified up to position ${report.verifiedPosition} of ${report.headPosition}: ` +
      `${report.checkedUsers} users compared, ${report.differences.length} differences`,
    ...(report.pendingUsers > 0 ? [`${report.pendingUsers} users not compared: nothing of theirs projected yet`] : []),
    ...report.projections.map(
      (p) =>
        `projection ${p.name}: ${p.state}, position ${p.position} of ${p.headPosition} (${p.lagEvents} behind), ` +
        `${p.quarantined.length} streams quarantined`,
    ),
  ];
  for (const d of report.differences)
    lines.push(
      `user ${d.userId}: ${d.field} is ${JSON.stringify(d.inTable)} in the table, ` +
        `${JSON.stringify(d.fromEvents)} from the events`,
    );
  for (const problem of report.problems) lines.push(`NOT OK: ${problem}`);
  if (report.repairedUsers)
    lines.push(
      `repaired ${report.repairedUsers.length} users, ${report.remainingDifferences?.length ?? 0} differences remain`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
};

/** How long `reconcile --wait` waits for the projections to reach the head by default, s. */
export const RECONCILE_WAIT_DEFAULT_SECONDS = 30;
/** How often `--wait` looks at the checkpoints, ms. */
const RECONCILE_WAIT_POLL_MS = 200;

/** Waits until every projection is at the head the log had when it began (or failed), at most `seconds`. */
const waitForCatchUp = async (store: EventStore, pool: pg.Pool, seconds: number): Promise<void> => {
  const head = await store.headPosition();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const statuses = await Promise.all(PROJECTIONS.map((p) => projectionStatus(store, pool, p.name)));
    if (statuses.every((s) => s.position >= head || s.state === 'failed')) return;
    await new Promise((resolve) => setTimeout(resolve, RECONCILE_WAIT_POLL_MS));
  }
};

const nonNegativeInteger = (option: string, value: string): number => {
  if (!/^\d{1,9}$/.test(value))
    throw new UsageError(`${option}: expected a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
};

const registerStatus = (projections: Command): void => {
  projections
    .command('status')
    .description('position, lag (events and seconds behind the log) and state of every projector')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      await withStore(async ({ store, pool }) => {
        const statuses = await Promise.all(PROJECTIONS.map((p) => projectionStatus(store, pool, p.name)));
        const rebuilds = (await readCheckpoints(pool))
          .filter((c) => c.name.endsWith('__rebuild'))
          .map((c) => ({ name: c.name.slice(0, -'__rebuild'.length), position: c.position }));
        if (options.json) printJson({ projections: statuses, rebuilds });
        else printStatus(statuses, rebuilds);
      });
    });
};

const registerRebuild = (projections: Command): void => {
  projections
    .command('rebuild')
    .description(
      'rebuild read tables from the first event into shadow tables, ' +
        'then swap them in (no downtime; resumes if interrupted)',
    )
    .option('--name <name>', `one projection (${PROJECTIONS.map((p) => p.name).join(', ')}); default: all`)
    .option('--fresh', 'discard an unfinished rebuild instead of resuming it')
    .option('--json', 'print one JSON document')
    .action(async (options: { name?: string; fresh?: boolean; json?: boolean }) => {
      let selected;
      try {
        selected = options.name ? [projectionByName(options.name)] : PROJECTIONS;
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      await withStore(async ({ store, pool }) => {
        const rebuilt: RebuildResult[] = [];
        for (const projection of selected) {
          rebuilt.push(await rebuildProjection({ store, pool, projection, fresh: options.fresh ?? false, log }));
        }
        if (options.json) printJson({ rebuilt });
        else
          for (const r of rebuilt)
            process.stdout.write(
              `${r.projection}: rebuilt to position ${r.position}, ` +
                `${r.appliedEvents} events in ${r.seconds.toFixed(1)} s\n`,
            );
      });
    });
};

const registerReconcile = (projections: Command): void => {
  projections
    .command('reconcile')
    .description(
      'replay every account stream and compare with users and credit_transactions; ' +
        'exit 1 on a difference, a failed or quarantined projection, or one behind by more than --max-lag',
    )
    .option('--user <id>', 'one user only')
    .option('--repair', 'rewrite the rows of the users that differ from their events')
    .option('--max-lag <positions>', 'how far behind the head a projection may be', '0')
    .option(
      '--wait [seconds]',
      `first wait for the projections to reach the head (default ${RECONCILE_WAIT_DEFAULT_SECONDS} s)`,
    )
    .option('--json', 'print one JSON document')
    .action(
      async (options: { user?: string; repair?: boolean; maxLag: string; wait?: string | true; json?: boolean }) => {
        if (options.user !== undefined) userIdArgument('--user', options.user);
        const maxLag = nonNegativeInteger('--max-lag', options.maxLag);
        const waitSeconds =
          options.wait === undefined
            ? 0
            : options.wait === true
              ? RECONCILE_WAIT_DEFAULT_SECONDS
              : nonNegativeInteger('--wait', options.wait);
        await withStore(async ({ store, pool }) => {
          if (waitSeconds > 0) await waitForCatchUp(store, pool, waitSeconds);
          const report = await reconcile({
            store,
            pool,
            ...(options.user ? { userId: options.user } : {}),
            repair: options.repair ?? false,
            maxLag,
            log,
          });
          if (options.json) printJson(report);
          else printReconcile(report);
          // Scripts rely on it: exit 0 only when there are no differences and every projection is caught up and
          // healthy.
          if (!report.ok) process.exitCode = 1;
        });
      },
    );
};

const registerRepair = (projections: Command): void => {
  projections
    .command('repair')
    .description(
      "apply a quarantined stream's held-back events (after the cause is fixed) and lift its quarantine; " +
        'exit 1 when it still fails',
    )
    .requiredOption('--stream <stream>', 'the quarantined stream, e.g. account-42')
    .option('--json', 'print one JSON document')
    .action(async (options: { stream: string; json?: boolean }) => {
      await withStore(async ({ store, pool }) => {
        const quarantined = await streamQuarantine(pool, options.stream);
        if (quarantined.length === 0) throw new UsageError(`--stream: ${options.stream} is not quarantined`);
        const repaired: RepairResult[] = [];
        for (const q of quarantined)
          repaired.push(await repairStream(store, pool, projectionByName(q.projection), options.stream));
        if (options.json) printJson({ repaired });
        else
          for (const r of repaired)
            process.stdout.write(
              r.ok
                ? `${r.projection}: ${r.stream} repaired, ${r.appliedEvents} held events applied\n`
                : `${r.projection}: ${r.stream} still quarantined: ${r.reason}\n`,
            );
        if (repaired.some((r) => !r.ok)) process.exitCode = 1;
      });
    });
};

export const register = (program: Command): void => {
  const projections = program
    .command('projections')
    .description('read tables: projector status, rebuild, reconcile, repair');
  registerStatus(projections);
  registerRebuild(projections);
  registerReconcile(projections);
  registerRepair(projections);
};
