import t from 'tap';
import type { LedgerExport } from '../../app/reports/financeExport.js';
import { runCli } from '../support/cli.js';
import { testDatabase } from '../support/database.js';

/**
 * Every date option of the CLI goes through the one strict parser the HTTP API uses: an impossible
 * date is refused with exit 2 and a message naming the option, never rolled over to the next month
 * (a bug once: `finance export --from 2024-02-30` ran from 2024-03-01, exit 0).
 */

const { url } = await testDatabase(t);
const env = { DATABASE_URL: url, LOG_LEVEL: 'warn' };

t.test('impossible or zoneless dates: exit 2, naming the option', async (t) => {
  const cases: Array<[string[], string, RegExp]> = [
    [['finance', 'export', '--from', '2024-02-30', '--to', '2024-03-05'], '--from', /impossible_date/],
    [['finance', 'export', '--from', '2024-02-01', '--to', '2023-02-29'], '--to', /impossible_date/],
    [['finance', 'report', '--from', '2024-04-31', '--to', '2024-05-02'], '--from', /impossible_date/],
    [['finance', 'balances', '--as-of', '2024-01-01T25:00:00Z'], '--as-of', /impossible_time/],
    [['finance', 'export', '--from', '2024-01-01T10:00:00', '--to', '2024-01-02'], '--from', /time_zone_required/],
    [['user', 'timeline', '1', '--as-of', '2024-02-30T10:00:00Z', '--json'], '--as-of', /impossible_date/],
    [['demo', '--start', '2025-02-29', '--json'], '--start', /impossible_date/],
    [['payments', 'reconcile', '--since', '2024-06-31', '--json'], '--since', /impossible_date/],
  ];
  await Promise.all(
    cases.map(async ([args, option, reason]) => {
      const result = await runCli(args, env);
      const name = args.join(' ');
      t.equal(result.code, 2, `${name}: exit 2`);
      t.match(result.stderr, new RegExp(`${option}: .*${reason.source}`), `${name}: the message names ${option}`);
      t.equal(result.stdout, '', `${name}: nothing on stdout`);
    }),
  );
});

t.test('a leap day is a day: the period starts exactly there', async (t) => {
  const result = await runCli(['finance', 'export', '--from', '2024-02-29', '--to', '2024-03-01T00:00:00+03:00'], env);
  t.equal(result.code, 0, result.stderr);
  const ledger = JSON.parse(result.stdout) as LedgerExport;
  t.match(ledger, { from: '2024-02-29T00:00:00.000Z', to: '2024-02-29T21:00:00.000Z', rows: [] });
});
