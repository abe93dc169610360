type LogFn = (fields: object, message?: string) => void;

/**
 * What every part of the application logs through: the slice of a pino logger it uses, so
 * pino's and Fastify's loggers fit it as they are. It lives here, in the lowest layer that logs
 * (core/ does not), so projectors, use cases, adapters and scripts share the one type.
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** A logger that drops everything: the default where logging is optional, and in tests. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
