import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { exportLedger, ledgerCsv } from '../../../app/reports/financeExport.js';
import { balancesAsOf, financeReport, REPORT_MAX_DAYS } from '../../../app/reports/financeReport.js';
import { HttpError } from '../errors.js';
import { errorReplies } from '../api/schemas.js';
import {
  BalancesQuerySchema,
  BalancesReplySchema,
  LedgerReplySchema,
  PeriodQuerySchema,
  ReconcileReplySchema,
  ReportQuerySchema,
  ReportReplySchema,
} from './adminSchemas.js';
import type { AdminContext } from './adminContext.js';

/** Finance (read-only): the ledger export, balances as of a time, daily figures, reconcile. */

const iso = (value: string): string => new Date(Date.parse(value)).toISOString();
const DAY_MS = 86_400_000;

const TAGS = ['finance'];
const ERRORS = errorReplies(400, 401, 403, 503);

/** The ledger export of a period, as JSON or as a CSV file. */
const registerLedgerExportRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/admin/finance/ledger',
    {
      schema: {
        tags: TAGS,
        summary:
          'Every movement of credits recorded in [from, to), with totals per type, currency and provider (JSON or CSV)',
        querystring: PeriodQuerySchema,
        response: { 200: LedgerReplySchema, ...ERRORS },
      },
      onRequest: context.finance,
    },
    async (request, reply) => {
      const { from, to, format } = request.query;
      const ledger = await exportLedger(context.store, { from: iso(from), to: iso(to) });
      if (format === 'json') return ledger;
      const name = `modera-ledger_${ledger.from.slice(0, 10)}_${ledger.to.slice(0, 10)}.csv`;
      // A string is sent as it is: the JSON reply schema does not apply to it.
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(ledgerCsv(ledger) as never);
    },
  );
};

/** Every account's balance as of a time. */
const registerBalancesRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/admin/finance/balances',
    {
      schema: {
        tags: TAGS,
        summary: "Every account's balance from the events recorded before asOf",
        querystring: BalancesQuerySchema,
        response: { 200: BalancesReplySchema, ...ERRORS },
      },
      onRequest: context.finance,
    },
    async (request) =>
      balancesAsOf(context.store, request.query.asOf ? iso(request.query.asOf) : new Date().toISOString()),
  );
};

/** Daily figures of a period. */
const registerReportRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/admin/finance/report',
    {
      schema: {
        tags: TAGS,
        summary:
          'Per day: revenue, credits sold and consumed, refunds, chargebacks, liability, AI cost per feature ' +
          `(at most ${REPORT_MAX_DAYS} days)`,
        querystring: ReportQuerySchema,
        response: { 200: ReportReplySchema, ...ERRORS },
      },
      onRequest: context.finance,
    },
    async (request) => {
      const { from, to } = request.query;
      if (Date.parse(to) - Date.parse(from) > REPORT_MAX_DAYS * DAY_MS)
        throw new HttpError('invalid_request', `a report covers at most ${REPORT_MAX_DAYS} days`);
      return financeReport(context.store, { from: iso(from), to: iso(to) });
    },
  );
};

/** Replays every account and compares it with the read tables. */
const registerReconcileRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/admin/projections/reconcile',
    {
      schema: {
        tags: TAGS,
        summary: 'Replays every account and compares it with the read tables',
        response: { 200: ReconcileReplySchema, ...ERRORS },
      },
      onRequest: context.finance,
    },
    async () => {
      if (!context.reconcile) throw new HttpError('feature_off', 'reconcile is not available on this server');
      const report = await context.reconcile();
      return report;
    },
  );
};

export const registerFinanceRoutes = (root: FastifyInstance, context: AdminContext): void => {
  registerLedgerExportRoute(root, context);
  registerBalancesRoute(root, context);
  registerReportRoute(root, context);
  registerReconcileRoute(root, context);
};
