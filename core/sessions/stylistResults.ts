import { isNonNegativeInt } from './sessionRules.js';

/**
 * What the stylist produces (a style profile and recommendations, same shape as the AI adapters'
 * StyleResult) and the shopping links resolved from it (`product_recommendations` rows), with the
 * bounds a result must keep before the session stores it.
 */

export const MAX_RECOMMENDATIONS = 20;
export const MAX_SHOPPING_PRODUCTS = 30;
export const MAX_TEXT_CHARS = 2000;
export const MAX_TITLE_CHARS = 200;
export const MAX_LIST_ITEMS = 20;

export const GARMENT_CATEGORIES = [
  'top',
  'bottom',
  'dress',
  'outerwear',
  'shoes',
  'bag',
  'accessory',
  'other',
] as const;
export type GarmentCategory = (typeof GARMENT_CATEGORIES)[number];

export interface StyleProfile {
  summary: string;
  bodyType: string;
  colorPalette: string[];
  styleKeywords: string[];
}

export interface StyleRecommendation {
  title: string;
  category: GarmentCategory;
  /** A marketplace search query; the catalog resolves it to products. */
  query?: string;
  /** A hint only: models invent links. */
  productUrl?: string;
  reason: string;
  /** 0..1, higher is a better match. */
  score: number;
}

/** One shopping link, resolved by the catalog from a recommendation. */
export interface ShoppingProduct {
  productId: string;
  /** `wildberries`, `lamoda`, … */
  partnerName: string;
  productUrl: string;
  title: string;
  priceMinor: number | null;
  currency: 'RUB' | 'USD' | null;
  /** Index into the session's recommendations. */
  recommendationIndex: number;
  score: number;
}

const text = (value: unknown, max: number, required = true): boolean =>
  typeof value === 'string' && value.length <= max && (!required || value.trim().length > 0);
const textList = (value: unknown): boolean =>
  Array.isArray(value) && value.length <= MAX_LIST_ITEMS && value.every((v) => text(v, MAX_TITLE_CHARS));
const unitScore = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
const httpsUrl = (value: unknown): boolean =>
  typeof value === 'string' &&
  value.length <= MAX_TEXT_CHARS &&
  URL.canParse(value) &&
  new URL(value).protocol === 'https:';

const validRecommendation = (r: StyleRecommendation): boolean =>
  text(r.title, MAX_TITLE_CHARS) &&
  (GARMENT_CATEGORIES as readonly string[]).includes(r.category) &&
  (r.query === undefined || text(r.query, MAX_TITLE_CHARS)) &&
  (r.productUrl === undefined || httpsUrl(r.productUrl)) &&
  text(r.reason, MAX_TEXT_CHARS, false) &&
  unitScore(r.score);

/** Whether a profile and its recommendations are within bounds. */
export const isValidStyleResult = (profile: StyleProfile, recommendations: StyleRecommendation[]): boolean =>
  typeof profile === 'object' &&
  profile !== null &&
  text(profile.summary, MAX_TEXT_CHARS) &&
  text(profile.bodyType, MAX_TITLE_CHARS, false) &&
  textList(profile.colorPalette) &&
  textList(profile.styleKeywords) &&
  Array.isArray(recommendations) &&
  recommendations.length >= 1 &&
  recommendations.length <= MAX_RECOMMENDATIONS &&
  recommendations.every(validRecommendation);

const validProduct = (p: ShoppingProduct, recommendationCount: number): boolean =>
  typeof p.productId === 'string' &&
  /^[A-Za-z0-9._:-]{1,255}$/.test(p.productId) &&
  typeof p.partnerName === 'string' &&
  /^[a-z][a-z0-9_]{0,99}$/.test(p.partnerName) &&
  httpsUrl(p.productUrl) &&
  text(p.title, MAX_TITLE_CHARS) &&
  (p.priceMinor === null
    ? p.currency === null
    : isNonNegativeInt(p.priceMinor, Number.MAX_SAFE_INTEGER) && (p.currency === 'RUB' || p.currency === 'USD')) &&
  Number.isSafeInteger(p.recommendationIndex) &&
  p.recommendationIndex >= 0 &&
  p.recommendationIndex < recommendationCount &&
  unitScore(p.score);

/** Whether the shopping links are within bounds, point at known recommendations, and are unique. */
export const isValidShoppingList = (products: ShoppingProduct[], recommendationCount: number): boolean =>
  Array.isArray(products) &&
  products.length >= 1 &&
  products.length <= MAX_SHOPPING_PRODUCTS &&
  products.every((p) => validProduct(p, recommendationCount)) &&
  new Set(products.map((p) => p.productId)).size === products.length;
