import { z } from 'zod';
import { MAX_BUDGET_MINOR, OCCASION_CHOICES, STYLE_CHOICES } from '../../../core/sessions/index.js';
import { UserIdSchema } from './schemas.js';

/** Schemas of the fashion routes: the architecture document's VirtualTryonRequest and StyleAnalysisRequest. */

const imageUrl = z.url({ protocol: /^https?$/ }).max(2048);
const sessionId = z.uuid().describe('made by the client; the same id retried is the same session');

export const TryOnBodySchema = z.strictObject({
  clothing_image_url: imageUrl,
  person_image_url: imageUrl,
  user_id: UserIdSchema,
  session_id: sessionId,
  /** Accepted for the seed's contract; the worker chooses the model. */
  quality_level: z.enum(['standard', 'high', 'premium']).default('standard'),
});

export const StyleAnalysisBodySchema = z.strictObject({
  person_image_url: imageUrl,
  user_id: UserIdSchema,
  session_id: sessionId,
  preferences: z.strictObject({ style: z.enum(STYLE_CHOICES), occasion: z.enum(OCCASION_CHOICES) }),
  budget_range: z
    .strictObject({ currency: z.enum(['RUB', 'USD']), min_minor: z.int().min(0), max_minor: z.int().positive() })
    .refine((b) => b.min_minor <= b.max_minor && b.max_minor <= MAX_BUDGET_MINOR[b.currency], {
      message: 'min <= max, max within the stylist ceiling',
    })
    .optional(),
});

export const SessionParamsSchema = z.strictObject({ sessionId: z.uuid() });
export const RecommendationsQuerySchema = z.strictObject({ session_id: z.uuid(), user_id: UserIdSchema.optional() });

export const SessionStartedReplySchema = z.object({
  sessionId: z.string(),
  userId: z.string(),
  status: z.string(),
  /** Credits held for the AI work; captured on success, released on failure. */
  credits: z.int(),
  position: z.int().nonnegative(),
});

export const TryOnStatusReplySchema = z.object({
  sessionId: z.string(),
  userId: z.string(),
  status: z.string(),
  resultImageKey: z.string().nullable(),
  qualityScore: z.number().nullable(),
  failureReason: z.string().nullable(),
  hold: z.enum(['none', 'held', 'captured', 'released']),
});

export const RecommendationsReplySchema = z.object({
  sessionId: z.string(),
  userId: z.string(),
  status: z.string(),
  profile: z
    .object({
      summary: z.string(),
      bodyType: z.string(),
      colorPalette: z.array(z.string()),
      styleKeywords: z.array(z.string()),
    })
    .nullable(),
  recommendations: z.array(
    z.object({
      title: z.string(),
      category: z.string(),
      query: z.string().optional(),
      productUrl: z.string().optional(),
      reason: z.string(),
      score: z.number(),
    }),
  ),
  products: z.array(
    z.object({
      productId: z.string(),
      partnerName: z.string(),
      productUrl: z.string(),
      title: z.string(),
      priceMinor: z.int().nullable(),
      currency: z.enum(['RUB', 'USD']).nullable(),
      recommendationIndex: z.int(),
      score: z.number(),
    }),
  ),
});
