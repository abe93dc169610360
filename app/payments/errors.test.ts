import t from 'tap';
import {
  errorForStatus,
  OutcomeUnknown,
  PAYMENT_ERROR_CODES,
  ProviderRejected,
  ProviderUnreachable,
} from './errors.js';

t.test('every payment error code is documented with its domain and HTTP status', async (t) => {
  for (const [code, entry] of Object.entries(PAYMENT_ERROR_CODES)) {
    t.ok(['ProviderRejected', 'ProviderUnreachable', 'OutcomeUnknown'].includes(entry.domain), `${code}: domain`);
    t.ok(entry.meaning.length > 10, `${code}: meaning`);
    t.ok(
      entry.httpStatus >= 500 && entry.httpStatus < 600,
      `${code}: a provider failure is the server's problem, never the client's`,
    );
  }
});

t.test("a provider's HTTP status maps to its failure domain", async (t) => {
  const rows: Array<[number, string, new (...args: never[]) => Error, boolean]> = [
    [400, 'invalid_request', ProviderRejected, false],
    [401, 'unauthorized', ProviderRejected, false],
    [403, 'unauthorized', ProviderRejected, false],
    [404, 'not_found', ProviderRejected, false],
    [409, 'invalid_request', ProviderRejected, false],
    [429, 'rate_limited', ProviderUnreachable, true],
    [500, 'server_error', ProviderUnreachable, true],
    [503, 'server_error', ProviderUnreachable, true],
  ];
  for (const [status, code, type, retryable] of rows) {
    const error = errorForStatus(status, 'x', { provider: 'stripe' });
    t.ok(error instanceof type, `${status}: ${type.name}`);
    t.equal(error.code, code, `${status}: ${code}`);
    t.equal(error.retryable, retryable, `${status}: retryable ${retryable}`);
  }
  t.equal(new OutcomeUnknown('timeout', 'x', { provider: 'yookassa' }).retryable, true);
});
