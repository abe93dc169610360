import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** Constant-time comparison, so a token can't be guessed byte by byte from response times. */
export const safeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const bearer = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
};

/** preHandler for the service API: the bearer must be INTERNAL_API_TOKEN. */
export const requireServiceToken = (token: string | undefined) => async (request: FastifyRequest): Promise<void> => {
  if (!token) throw new HttpError('feature_off', 'the service API is off: INTERNAL_API_TOKEN is not set');
  const presented = bearer(request);
  if (!presented || !safeEqual(presented, token)) throw new HttpError('unauthorized', 'a valid bearer token is required');
};

export interface AdminIdentity {
  name: string;
  role: 'support' | 'finance';
}

declare module 'fastify' {
  interface FastifyRequest {
    admin?: AdminIdentity;
  }
}

/** preHandler for admin routes: a token from ADMIN_TOKENS whose role is one of `roles`. */
export const requireAdmin =
  (tokens: ReadonlyArray<{ name: string; role: 'support' | 'finance'; token: string }>, roles: ReadonlyArray<'support' | 'finance'>) =>
  async (request: FastifyRequest): Promise<void> => {
    const presented = bearer(request);
    const match = presented ? tokens.find((t) => safeEqual(presented, t.token)) : undefined;
    if (!match) throw new HttpError('unauthorized', 'a valid admin bearer token is required');
    if (!roles.includes(match.role)) throw new HttpError('forbidden', `role ${match.role} may not do this (needs ${roles.join(' or ')})`);
    request.admin = { name: match.name, role: match.role };
  };
