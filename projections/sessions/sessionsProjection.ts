import type pg from 'pg';
import { deterministicUuid, type RecordedEvent } from '../../core/eventstore/index.js';
import type { ShoppingProduct, StylistEvent, TryOnEvent } from '../../core/sessions/index.js';
import { UnprojectableEvent } from '../errors.js';
import type { Projection, TableNames } from '../types.js';
import {
  SESSION_CATEGORIES,
  SESSION_EVENT_TYPES,
  sessionEventOf,
  sessionIdOf,
  type SessionEvent,
} from './sessionEvents.js';
import { sessionRowChange } from './sessionRows.js';

/**
 * `fashion_sessions`, `virtual_tryons`, `style_analyses` and `product_recommendations` from the
 * try-on and stylist streams (architecture document, "Database Schema Design"). Image columns
 * named `*_url` hold storage keys: a reader signs a URL for the key when it shows the image, so
 * no expiring URL is ever stored. `processing_time` is seconds from submission (inputs complete,
 * credits asked) to the result or failure; `quality_score` is the fit assessor's, two decimals.
 * Idempotent per event: `fashion_sessions.last_position` says which events were applied.
 */

export const SESSIONS_PROJECTION = 'sessions';

export const virtualTryOnId = (sessionId: string): string => deterministicUuid('virtual_tryon', sessionId);
export const styleAnalysisId = (sessionId: string): string => deterministicUuid('style_analysis', sessionId);
export const productRecommendationId = (sessionId: string, productId: string): string =>
  deterministicUuid('product_recommendation', sessionId, productId);

const insertSession = async (
  client: pg.ClientBase,
  t: TableNames,
  recorded: RecordedEvent,
  e: SessionEvent,
): Promise<void> => {
  const data = e.event.data as { userId: string; occurredAt: string };
  await client.query(
    `INSERT INTO ${t.fashion_sessions} (id, user_id, session_type, status, state, input_data, result_data, created_at,
       last_activity_at, last_position)
     VALUES ($1, $2, $3, 'active', $4, '{}', '{}', $5, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [sessionIdOf(recorded), data.userId, e.kind, sessionRowChange(e).state, data.occurredAt, recorded.position],
  );
};

/** Applies the event to its session row; false when it was applied before. */
const updateSession = async (
  client: pg.ClientBase,
  t: TableNames,
  recorded: RecordedEvent,
  e: SessionEvent,
): Promise<boolean> => {
  const c = sessionRowChange(e);
  const processed = c.ends && (c.status === 'completed' || c.status === 'failed');
  const { rowCount } = await client.query(
    `UPDATE ${t.fashion_sessions} SET
       last_position = $2, last_activity_at = greatest(last_activity_at, $3::timestamptz), state = coalesce($4, state),
       status = CASE WHEN $5::text IS NULL OR status = 'completed' THEN status ELSE $5 END,
       input_data = coalesce(input_data, '{}') || coalesce($6::jsonb, '{}'),
       result_data = coalesce(result_data, '{}') || coalesce($7::jsonb, '{}'),
       credits_used = coalesce($8, credits_used),
       submitted_at = CASE WHEN $9 THEN $3::timestamptz ELSE submitted_at END,
       completed_at = CASE WHEN $10 THEN coalesce(completed_at, $3::timestamptz) ELSE completed_at END,
       processing_time = CASE WHEN $11 AND submitted_at IS NOT NULL
         THEN round(extract(epoch FROM ($3::timestamptz - submitted_at)))::integer ELSE processing_time END
     WHERE id = $1 AND last_position < $2`,
    [
      sessionIdOf(recorded),
      recorded.position,
      e.event.data.occurredAt,
      c.state,
      c.status,
      c.input && JSON.stringify(c.input),
      c.result && JSON.stringify(c.result),
      c.creditsUsed,
      c.submitted,
      c.ends,
      processed,
    ],
  );
  if (rowCount === 1) return true;
  const known = await client.query(`SELECT 1 FROM ${t.fashion_sessions} WHERE id = $1`, [sessionIdOf(recorded)]);
  if (known.rowCount === 0) throw new UnprojectableEvent(recorded, 'session event before its start');
  return false;
};

const tryOnDetails = async (
  client: pg.ClientBase,
  t: TableNames,
  sessionId: string,
  event: TryOnEvent,
): Promise<void> => {
  const id = virtualTryOnId(sessionId);
  if (event.type === 'TryOnSubmitted') {
    await client.query(
      `INSERT INTO ${t.virtual_tryons} (id, session_id, user_id, clothing_image_url, person_image_url, credits_used,
       created_at)
       SELECT $1, id, user_id, input_data->'clothing'->>'imageKey', input_data->'person'->>'imageKey', 0, $3
       FROM ${t.fashion_sessions} WHERE id = $2 ON CONFLICT (id) DO NOTHING`,
      [id, sessionId, event.data.occurredAt],
    );
  } else if (event.type === 'TryOnSucceeded') {
    const { resultImageKey, qualityScore, provider, model, processingMs, holdResolution } = event.data;
    await client.query(
      `UPDATE ${t.virtual_tryons} SET result_image_url = $2, quality_score = $3, fit_analysis = $4, ` +
        'credits_used = $5 WHERE id = $1',
      [
        id,
        resultImageKey,
        qualityScore,
        JSON.stringify({ qualityScore, provider, model, processingMs }),
        holdResolution.action === 'capture' ? holdResolution.credits : 0,
      ],
    );
  } else if (event.type === 'TryOnRated') {
    await client.query(`UPDATE ${t.virtual_tryons} SET user_rating = $2 WHERE id = $1`, [id, event.data.rating]);
  }
};

const insertProducts = async (
  client: pg.ClientBase,
  t: TableNames,
  sessionId: string,
  products: ShoppingProduct[],
  at: string,
) => {
  const data = products.map((p) =>
    JSON.stringify({
      title: p.title,
      priceMinor: p.priceMinor,
      currency: p.currency,
      recommendationIndex: p.recommendationIndex,
    }),
  );
  await client.query(
    `INSERT INTO ${t.product_recommendations} (id, style_analysis_id, user_id, product_id, partner_name, product_url,
       product_data,
       recommendation_score, created_at)
     SELECT p.id, a.id, a.user_id, p.product_id, p.partner_name, p.product_url, p.product_data, round(p.score, 2), $7
     FROM ${t.style_analyses} a,
       unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $8::numeric[])
         AS p (id, product_id, partner_name, product_url, product_data, score)
     WHERE a.id = $1 ON CONFLICT (id) DO NOTHING`,
    [
      styleAnalysisId(sessionId),
      products.map((p) => productRecommendationId(sessionId, p.productId)),
      products.map((p) => p.productId),
      products.map((p) => p.partnerName),
      products.map((p) => p.productUrl),
      data,
      at,
      products.map((p) => p.score),
    ],
  );
};

const stylingDetails = async (
  client: pg.ClientBase,
  t: TableNames,
  sessionId: string,
  event: StylistEvent,
): Promise<void> => {
  if (event.type === 'StylingSucceeded') {
    const { profile, recommendations, holdResolution, occurredAt } = event.data;
    await client.query(
      `INSERT INTO ${t.style_analyses} (id, session_id, user_id, input_image_url, style_profile, recommendations,
       credits_used, created_at)
       SELECT $1, id, user_id, input_data->'photo'->>'imageKey', $3, $4, $5, $6 FROM ${t.fashion_sessions} WHERE id = $2
       ON CONFLICT (id) DO NOTHING`,
      [
        styleAnalysisId(sessionId),
        sessionId,
        JSON.stringify(profile),
        JSON.stringify(recommendations),
        holdResolution.action === 'capture' ? holdResolution.credits : 0,
        occurredAt,
      ],
    );
  } else if (event.type === 'ShoppingOpened') {
    await insertProducts(client, t, sessionId, event.data.products, event.data.occurredAt);
  } else if (event.type === 'ShoppingProductClicked') {
    await client.query(`UPDATE ${t.product_recommendations} SET user_clicked = true WHERE id = $1`, [
      productRecommendationId(sessionId, event.data.productId),
    ]);
  }
};

export const sessionsProjection: Projection = {
  name: SESSIONS_PROJECTION,
  filter: { categories: SESSION_CATEGORIES, eventTypes: SESSION_EVENT_TYPES },
  tables: ['fashion_sessions', 'virtual_tryons', 'style_analyses', 'product_recommendations'],
  async apply(client, events, tables) {
    for (const recorded of events) {
      const e = sessionEventOf(recorded);
      if (e.event.type === 'TryOnStarted' || e.event.type === 'StylingStarted') {
        await insertSession(client, tables, recorded, e);
        continue;
      }
      if (!(await updateSession(client, tables, recorded, e))) continue;
      const sessionId = sessionIdOf(recorded);
      if (e.kind === 'tryon') await tryOnDetails(client, tables, sessionId, e.event);
      else await stylingDetails(client, tables, sessionId, e.event);
    }
  },
};
