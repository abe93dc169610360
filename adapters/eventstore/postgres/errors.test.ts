import t from 'tap';
import { StoreUnavailable } from '../../../core/eventstore/index.js';
import { isUnavailable, mapError } from './errors.js';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

t.test('connection failures are told apart from request errors', async (t) => {
  const unavailable = [
    withCode('ECONNREFUSED'),
    withCode('ECONNRESET'),
    withCode('57P01'),
    withCode('57P03'),
    withCode('08006'),
    withCode('53300'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new AggregateError([withCode('ECONNREFUSED')], 'all addresses failed'),
  ];
  for (const error of unavailable)
    t.ok(isUnavailable(error), `${error.message} ${(error as { code?: string }).code ?? ''}`);
  const other = [withCode('23505'), withCode('42P01'), withCode('MD002'), new Error('syntax'), 'not an error'];
  for (const error of other) t.notOk(isUnavailable(error), String(error));
});

t.test('mapError wraps only connection failures', async (t) => {
  const refused = withCode('ECONNREFUSED');
  t.throws(() => mapError(refused, 'append'), StoreUnavailable);
  t.throws(() => mapError(refused, 'append'), { cause: refused, message: /during append/ }, 'keeps the cause');
  const duplicate = withCode('23505');
  t.throws(() => mapError(duplicate, 'append'), duplicate, 'anything else is rethrown as it was');
});
