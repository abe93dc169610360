import t from 'tap';
import { JSON_MAX_DEPTH, jsonDepthExceeds } from './index.js';

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

t.test('depth is counted over objects and arrays, outside strings only', async (t) => {
  const cases: Array<[string, string, number, boolean]> = [
    ['flat', '{"a":1,"b":[1,2]}', 2, false],
    ['at the limit', nested(JSON_MAX_DEPTH), JSON_MAX_DEPTH, false],
    ['one over', nested(JSON_MAX_DEPTH + 1), JSON_MAX_DEPTH, true],
    ['arrays', '['.repeat(5) + ']'.repeat(5), 4, true],
    ['brackets in strings', JSON.stringify({ text: '[[[[{{{{' }), 2, false],
    ['escaped quote in a string', JSON.stringify({ text: 'say "[[[[" \\' }), 2, false],
    ['siblings do not add up', '[[1],[2],[3],[4]]', 2, false],
    ['200 000 levels', nested(200_000), JSON_MAX_DEPTH, true],
  ];
  for (const [name, text, max, exceeds] of cases) t.equal(jsonDepthExceeds(text, max), exceeds, name);
});
