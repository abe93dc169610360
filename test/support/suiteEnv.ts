/** What test/support/suite.ts hands to the test processes it runs. */
export const SUITE_SERVER_ENV = 'MODERA_TEST_SERVER_URL';
export const SUITE_TEMPLATE_ENV = 'MODERA_TEST_TEMPLATE';

/** `url` with its database replaced by `database`. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};
