import { z } from 'zod';
import type { FitResult, GarmentCategory, Recommendation, StyleProfile } from '../../app/worker/aiPorts.js';

/**
 * The structured answers we ask both providers for, as zod schemas: sent to the model as JSON
 * Schema and used again to validate what comes back (an answer that fails is
 * `MalformedResponse`). String lengths are not in the schema (OpenAI's strict mode does not take
 * `maxLength`); we cut strings to `MAX_TEXT_CHARS` after validation instead.
 */
export const MAX_RECOMMENDATIONS = 8;
export const MAX_FIT_NOTES = 5;
export const MAX_PROFILE_ITEMS = 8;
export const MAX_TEXT_CHARS = 500;
/** User-typed preferences are cut to this before they enter a prompt. */
export const MAX_PREFERENCE_CHARS = 200;

export const GARMENT_CATEGORIES = [
  'top',
  'bottom',
  'dress',
  'outerwear',
  'shoes',
  'bag',
  'accessory',
  'other',
] as const satisfies readonly GarmentCategory[];

const score = z.number().min(0).max(1);

export const styleAnalysisSchema = z.object({
  profile: z.object({
    summary: z.string(),
    bodyType: z.string(),
    colorPalette: z.array(z.string()).max(MAX_PROFILE_ITEMS),
    styleKeywords: z.array(z.string()).max(MAX_PROFILE_ITEMS),
  }),
  recommendations: z
    .array(
      z.object({
        title: z.string(),
        category: z.enum(GARMENT_CATEGORIES),
        query: z.string().nullable(),
        productUrl: z.string().nullable(),
        reason: z.string(),
        score,
      }),
    )
    .min(1)
    .max(MAX_RECOMMENDATIONS),
});
export type StyleAnalysisOutput = z.infer<typeof styleAnalysisSchema>;

export const fitAssessmentSchema = z.object({
  qualityScore: score,
  notes: z.array(z.string()).max(MAX_FIT_NOTES),
});
export type FitAssessmentOutput = z.infer<typeof fitAssessmentSchema>;

const clip = (text: string): string => text.trim().slice(0, MAX_TEXT_CHARS);
const clipList = (items: string[]): string[] => items.map(clip).filter((item) => item.length > 0);

const httpsUrl = (value: string | null): string | undefined => {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
};

export const toStyle = (output: StyleAnalysisOutput): { profile: StyleProfile; recommendations: Recommendation[] } => ({
  profile: {
    summary: clip(output.profile.summary),
    bodyType: clip(output.profile.bodyType),
    colorPalette: clipList(output.profile.colorPalette),
    styleKeywords: clipList(output.profile.styleKeywords),
  },
  recommendations: output.recommendations.map((item) => {
    const query = item.query ? clip(item.query) : '';
    const productUrl = httpsUrl(item.productUrl);
    return {
      title: clip(item.title),
      category: item.category,
      ...(query ? { query } : {}),
      ...(productUrl ? { productUrl } : {}),
      reason: clip(item.reason),
      score: item.score,
    };
  }),
});

export const toFit = (output: FitAssessmentOutput): Pick<FitResult, 'qualityScore' | 'notes'> => ({
  qualityScore: output.qualityScore,
  notes: clipList(output.notes),
});

/** JSON Schema keywords Gemini's `responseJsonSchema` documents as supported. */
const GEMINI_SCHEMA_KEYS = new Set([
  '$id',
  '$defs',
  '$ref',
  '$anchor',
  'type',
  'format',
  'title',
  'description',
  'enum',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'anyOf',
  'oneOf',
  'properties',
  'additionalProperties',
  'required',
  'propertyOrdering',
]);

const keepGeminiKeys = (node: unknown, underProperties = false): unknown => {
  if (Array.isArray(node)) return node.map((item) => keepGeminiKeys(item));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // Under `properties` the keys are field names, not keywords.
    if (!underProperties && !GEMINI_SCHEMA_KEYS.has(key)) continue;
    out[key] = keepGeminiKeys(value, !underProperties && (key === 'properties' || key === '$defs'));
  }
  return out;
};

/** The schema as Gemini's `responseJsonSchema`, unsupported keywords dropped. */
export const geminiJsonSchema = (schema: z.ZodType): unknown =>
  keepGeminiKeys(z.toJSONSchema(schema, { target: 'draft-2020-12' }));
