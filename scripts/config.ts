import path from 'node:path';
import { z } from 'zod';

/**
 * The whole configuration, read from the environment once at start and validated. A missing or
 * malformed value names the variable and what is expected. A feature whose secrets are missing
 * is off (and says so in /health and at start); it never half-works.
 */
const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (schemes: readonly string[], what: string) =>
  optional.refine((v) => v === undefined || (URL.canParse(v) && schemes.some((s) => v.startsWith(`${s}:`))), {
    message: `expected ${what} (${schemes.map((s) => `${s}://…`).join(' or ')})`,
  });

const secret = (minLength: number) =>
  optional.refine((v) => v === undefined || v.length >= minLength, {
    message: `expected a secret of at least ${minLength} characters`,
  });

export const ADMIN_ROLES = ['support', 'finance'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];
export interface AdminToken {
  name: string;
  role: AdminRole;
  token: string;
}

const adminTokens = optional.transform((value, ctx): AdminToken[] => {
  if (!value) return [];
  const entries: AdminToken[] = [];
  for (const entry of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, role, token, ...rest] = entry.split(':');
    if (!name || !role || !token || rest.length > 0 || !ADMIN_ROLES.includes(role as AdminRole) || token.length < 16) {
      ctx.addIssue({
        code: 'custom',
        message:
          `entry "${name ?? entry}:…" must be name:role:token ` +
          'with role support|finance and a token of at least 16 characters',
      });
      return z.NEVER;
    }
    entries.push({ name, role: role as AdminRole, token });
  }
  return entries;
});

const matching = (pattern: RegExp, what: string) =>
  optional.refine((v) => v === undefined || pattern.test(v), { message: `expected ${what}` });

const milliseconds = matching(/^\d{1,9}$/, 'a whole number of milliseconds');

const cidrList = optional.transform((value) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const envSchema = z.object({
  DATABASE_URL: url(['postgres', 'postgresql'], 'a PostgreSQL URL'),
  MODERA_DATA_DIR: optional.default('./.modera'),
  EVENTSTORE_URL: url(['kurrentdb', 'kurrentdb+discover', 'esdb', 'esdb+discover'], 'a KurrentDB URL'),
  PORT: optional.default('8000').pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, 'expected a port number')
      .transform(Number)
      .pipe(z.number().int().min(0).max(65_535)),
  ),
  HOST: optional.default('127.0.0.1'),
  LOG_LEVEL: optional.default('info').pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  INTERNAL_API_TOKEN: secret(16),
  ADMIN_TOKENS: adminTokens,
  TELEGRAM_BOT_TOKEN: optional.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
    message: 'expected a bot token like 123456:ABC-DEF… from @BotFather',
  }),
  TELEGRAM_WEBHOOK_URL: url(['https', 'http'], 'the public HTTPS URL of /webhook/telegram'),
  TELEGRAM_WEBHOOK_SECRET: optional.refine((v) => v === undefined || /^[A-Za-z0-9_-]{16,256}$/.test(v), {
    message: 'expected 16–256 characters of A-Z, a-z, 0-9, _ and - (Telegram secret_token rules)',
  }),
  TELEGRAM_API_ROOT: url(['https', 'http'], 'a Bot API base URL').default('https://api.telegram.org'),
  MODERA_LEDGER_CONFIG: optional,
  OPENAI_API_KEY: optional,
  OPENAI_BASE_URL: url(['https', 'http'], 'an OpenAI-compatible base URL'),
  OPENAI_IMAGE_MODEL: optional,
  OPENAI_TEXT_MODEL: optional,
  OPENAI_IMAGE_QUALITY: matching(/^(low|medium|high|auto)$/, 'low, medium, high or auto'),
  GEMINI_API_KEY: optional,
  GEMINI_BASE_URL: url(['https', 'http'], 'a Gemini API base URL'),
  GEMINI_IMAGE_MODEL: optional,
  GEMINI_TEXT_MODEL: optional,
  // The AI settings' ranges (timeouts, retries, prices per model) are checked by adapters/ai when
  // the providers are made: this file stays light, and every CLI command loads it.
  AI_PROVIDER_ORDER: matching(
    /^\s*(openai|gemini)\s*(,\s*(openai|gemini)\s*)*$/i,
    'openai and gemini, comma-separated',
  ),
  AI_IMAGE_TIMEOUT_MS: milliseconds,
  AI_TEXT_TIMEOUT_MS: milliseconds,
  AI_MAX_RETRIES: matching(/^\d{1,3}$/, 'a number of retries'),
  AI_RETRY_BASE_DELAY_MS: milliseconds,
  AI_RETRY_MAX_DELAY_MS: milliseconds,
  AI_FALLBACK_ON_OUTCOME_UNKNOWN: matching(/^(true|false)$/i, 'true or false'),
  STRIPE_SECRET_KEY: optional,
  STRIPE_WEBHOOK_SECRET: optional,
  STRIPE_API_URL: url(['https', 'http'], 'a Stripe API base URL'),
  YOOKASSA_SHOP_ID: optional,
  YOOKASSA_SECRET_KEY: optional,
  YOOKASSA_API_URL: url(['https', 'http'], 'a YooKassa API base URL'),
  YOOKASSA_WEBHOOK_ALLOWED_IPS: cidrList,
  CLOUDFLARE_R2_ENDPOINT: url(['https', 'http'], 'the R2 S3 endpoint'),
  CLOUDFLARE_R2_ACCESS_KEY: optional,
  CLOUDFLARE_R2_SECRET_KEY: optional,
  CLOUDFLARE_R2_BUCKET: optional,
  PUBLIC_BASE_URL: url(['https', 'http'], 'the public base URL of this service'),
  // Behind a reverse proxy: `true` (trust every hop) or the proxies' addresses/CIDRs, comma-separated.
  TRUST_PROXY: optional.transform((v) =>
    v === undefined ? undefined : v === 'true' ? true : v === 'false' ? false : v,
  ),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface Feature {
  name: string;
  enabled: boolean;
  /** Why it is off, naming the variables to set. */
  reason?: string;
}

export interface Config {
  env: Env;
  dataDir: string;
  features: Feature[];
}

const feature = (name: string, vars: Array<[string, unknown]>): Feature => {
  const missing = vars.filter(([, v]) => v === undefined).map(([k]) => k);
  return missing.length === 0 ? { name, enabled: true } : { name, enabled: false, reason: `set ${missing.join(', ')}` };
};

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export const loadConfig = (source: NodeJS.ProcessEnv = process.env): Config => {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const env = parsed.data;
  const problems: string[] = [];
  const pairs: Array<[string, string, unknown, unknown]> = [
    ['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET', env.TELEGRAM_WEBHOOK_URL, env.TELEGRAM_WEBHOOK_SECRET],
    ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', env.STRIPE_SECRET_KEY, env.STRIPE_WEBHOOK_SECRET],
    ['YOOKASSA_SHOP_ID', 'YOOKASSA_SECRET_KEY', env.YOOKASSA_SHOP_ID, env.YOOKASSA_SECRET_KEY],
  ];
  for (const [a, b, va, vb] of pairs) {
    if ((va === undefined) !== (vb === undefined))
      problems.push(`${va === undefined ? a : b}: required together with ${va === undefined ? b : a}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env,
    dataDir: path.resolve(env.MODERA_DATA_DIR),
    features: [
      feature('service_api', [['INTERNAL_API_TOKEN', env.INTERNAL_API_TOKEN]]),
      feature('admin', [['ADMIN_TOKENS', env.ADMIN_TOKENS.length > 0 ? true : undefined]]),
      feature('telegram_bot', [['TELEGRAM_BOT_TOKEN', env.TELEGRAM_BOT_TOKEN]]),
      feature('stripe', [
        ['STRIPE_SECRET_KEY', env.STRIPE_SECRET_KEY],
        ['STRIPE_WEBHOOK_SECRET', env.STRIPE_WEBHOOK_SECRET],
      ]),
      feature('yookassa', [
        ['YOOKASSA_SHOP_ID', env.YOOKASSA_SHOP_ID],
        ['YOOKASSA_SECRET_KEY', env.YOOKASSA_SECRET_KEY],
      ]),
      {
        name: 'ai',
        enabled: env.OPENAI_API_KEY !== undefined || env.GEMINI_API_KEY !== undefined,
        ...(env.OPENAI_API_KEY || env.GEMINI_API_KEY ? {} : { reason: 'set OPENAI_API_KEY or GEMINI_API_KEY' }),
      },
      feature('r2_storage', [
        ['CLOUDFLARE_R2_ENDPOINT', env.CLOUDFLARE_R2_ENDPOINT],
        ['CLOUDFLARE_R2_ACCESS_KEY', env.CLOUDFLARE_R2_ACCESS_KEY],
        ['CLOUDFLARE_R2_SECRET_KEY', env.CLOUDFLARE_R2_SECRET_KEY],
        ['CLOUDFLARE_R2_BUCKET', env.CLOUDFLARE_R2_BUCKET],
      ]),
    ],
  };
};

/** The variables adapters/ai reads (`aiConfigFromEnv`), from the validated configuration. */
export const aiEnvOf = (env: Env): Record<string, string | undefined> => ({
  OPENAI_API_KEY: env.OPENAI_API_KEY,
  OPENAI_BASE_URL: env.OPENAI_BASE_URL,
  OPENAI_IMAGE_MODEL: env.OPENAI_IMAGE_MODEL,
  OPENAI_TEXT_MODEL: env.OPENAI_TEXT_MODEL,
  OPENAI_IMAGE_QUALITY: env.OPENAI_IMAGE_QUALITY,
  GEMINI_API_KEY: env.GEMINI_API_KEY,
  GEMINI_BASE_URL: env.GEMINI_BASE_URL,
  GEMINI_IMAGE_MODEL: env.GEMINI_IMAGE_MODEL,
  GEMINI_TEXT_MODEL: env.GEMINI_TEXT_MODEL,
  AI_PROVIDER_ORDER: env.AI_PROVIDER_ORDER,
  AI_IMAGE_TIMEOUT_MS: env.AI_IMAGE_TIMEOUT_MS,
  AI_TEXT_TIMEOUT_MS: env.AI_TEXT_TIMEOUT_MS,
  AI_MAX_RETRIES: env.AI_MAX_RETRIES,
  AI_RETRY_BASE_DELAY_MS: env.AI_RETRY_BASE_DELAY_MS,
  AI_RETRY_MAX_DELAY_MS: env.AI_RETRY_MAX_DELAY_MS,
  AI_FALLBACK_ON_OUTCOME_UNKNOWN: env.AI_FALLBACK_ON_OUTCOME_UNKNOWN,
});

/** The variables adapters/storage reads (`r2ConfigFromEnv`), from the validated configuration. */
export const r2EnvOf = (env: Env): Record<string, string | undefined> => ({
  CLOUDFLARE_R2_ENDPOINT: env.CLOUDFLARE_R2_ENDPOINT,
  CLOUDFLARE_R2_ACCESS_KEY: env.CLOUDFLARE_R2_ACCESS_KEY,
  CLOUDFLARE_R2_SECRET_KEY: env.CLOUDFLARE_R2_SECRET_KEY,
  CLOUDFLARE_R2_BUCKET: env.CLOUDFLARE_R2_BUCKET,
});

export const featureEnabled = (config: Config, name: string): boolean =>
  config.features.find((f) => f.name === name)?.enabled ?? false;
