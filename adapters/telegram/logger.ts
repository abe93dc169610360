/** The slice of a pino logger the bot uses; pino's and Fastify's loggers fit it. */
type LogFn = (fields: object, message?: string) => void;

export interface BotLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}
