/**
 * The AI work the bot sells, as three small ports. Each provider (OpenAI, Gemini) implements them;
 * the fallback chain implements them too, over a list of providers. Callers see only these types
 * and the errors in `errors.ts`.
 */

export type ProviderName = 'openai' | 'gemini';

/** Image formats both providers accept and return. */
export type ImageMimeType = 'image/png' | 'image/jpeg' | 'image/webp';

/**
 * Tokens the provider says it billed. The image counts are the part of the totals that were
 * image tokens, where the provider says so (they are priced differently); 0 when it does not.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  inputImageTokens: number;
  outputImageTokens: number;
}

/** What every successful call reports, for the ledger of what the AI cost us. */
export interface CallReceipt {
  provider: ProviderName;
  model: string;
  usage: TokenUsage;
  /** Estimated cost in integer micro-USD (1 USD = 1 000 000), from `usage` and the price table. */
  costMicroUsd: number;
}

export interface TryOnRequest {
  personImage: Buffer;
  garmentImage: Buffer;
  mimeTypes: { person: ImageMimeType; garment: ImageMimeType };
  /** The try-on session; sent to the provider as the end-user/abuse id, never as personal data. */
  sessionId: string;
  signal?: AbortSignal;
}

export interface TryOnResult extends CallReceipt {
  image: Buffer;
  mimeType: ImageMimeType;
}

export interface StylePreferences {
  style: string;
  occasion: string;
  budget: string;
}

export interface StyleRequest {
  personImage: Buffer;
  mimeType?: ImageMimeType;
  preferences: StylePreferences;
  sessionId: string;
  signal?: AbortSignal;
}

export type GarmentCategory = 'top' | 'bottom' | 'dress' | 'outerwear' | 'shoes' | 'bag' | 'accessory' | 'other';

export interface StyleProfile {
  summary: string;
  bodyType: string;
  colorPalette: string[];
  styleKeywords: string[];
}

export interface Recommendation {
  title: string;
  category: GarmentCategory;
  /** A marketplace search query (Wildberries, Lamoda, …); the catalog adapter resolves it. */
  query?: string;
  /** Only an https URL the model gave; models invent links, so treat it as a hint. */
  productUrl?: string;
  reason: string;
  /** 0..1, higher is a better match. */
  score: number;
}

export interface StyleResult extends CallReceipt {
  profile: StyleProfile;
  recommendations: Recommendation[];
}

export interface FitRequest {
  tryOnImage: Buffer;
  tryOnMimeType?: ImageMimeType;
  garmentImage?: Buffer;
  garmentMimeType?: ImageMimeType;
  signal?: AbortSignal;
}

export interface FitResult extends CallReceipt {
  /** 0..1: how believable the try-on is (garment kept, person kept, no artefacts). */
  qualityScore: number;
  notes: string[];
}

/** Composes the garment onto the person. */
export interface TryOnGenerator {
  generate(request: TryOnRequest): Promise<TryOnResult>;
}

/** Reads a person's photo and preferences; proposes items to buy. */
export interface StyleAnalyzer {
  analyze(request: StyleRequest): Promise<StyleResult>;
}

/** Scores a generated try-on image before it is shown (and before credits are captured). */
export interface FitAssessor {
  assess(request: FitRequest): Promise<FitResult>;
}

/** One provider behind all three ports. */
export interface AiProvider extends TryOnGenerator, StyleAnalyzer, FitAssessor {
  readonly name: ProviderName;
}
