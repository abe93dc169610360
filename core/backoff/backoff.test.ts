import tap from 'tap';
import { backoffCapMs, backoffMs, type BackoffPolicy } from './index.js';

const policy = (jitter: BackoffPolicy['jitter']): BackoffPolicy => ({ baseMs: 100, ceilingMs: 5_000, jitter });

tap.test('the step doubles from the base and stops at the ceiling', async (t) => {
  const p = policy('none');
  const rows: Array<[attempt: number, ms: number]> = [
    [0, 100],
    [1, 100],
    [2, 200],
    [3, 400],
    [6, 3_200],
    [7, 5_000],
    [1_000, 5_000],
  ];
  for (const [attempt, ms] of rows) t.equal(backoffMs(attempt, p, 0.5), ms, `attempt ${attempt}`);
});

tap.test('jitter stays within its range for every draw', async (t) => {
  const draws = [0, 0.25, 0.5, 0.999_999, -1, 2];
  for (let attempt = 1; attempt <= 12; attempt++) {
    const cap = backoffCapMs(attempt, policy('none'));
    for (const r of draws) {
      const full = backoffMs(attempt, policy('full'), r);
      t.ok(full >= 0 && full <= cap, `full jitter, attempt ${attempt}, draw ${r}: ${full} in [0, ${cap}]`);
      const equal = backoffMs(attempt, policy('equal'), r);
      t.ok(
        equal >= cap / 2 && equal <= cap,
        `equal jitter, attempt ${attempt}, draw ${r}: ${equal} in [${cap / 2}, ${cap}]`,
      );
    }
  }
  t.equal(backoffMs(3, policy('full'), 0), 0, 'full jitter reaches down to zero');
  t.equal(backoffMs(3, policy('equal'), 0), 200, 'equal jitter reaches down to half the step');
  t.equal(backoffMs(50, policy('full'), 1), 5_000, 'never beyond the ceiling');
});
