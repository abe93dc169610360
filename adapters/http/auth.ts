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

/** onRequest hook of the service API's scope (before parsing and validation): the bearer must be INTERNAL_API_TOKEN. */
export const requireServiceToken =
  (token: string | undefined) =>
  async (request: FastifyRequest): Promise<void> => {
    if (!token) throw new HttpError('feature_off', 'the service API is off: INTERNAL_API_TOKEN is not set');
    const presented = bearer(request);
    if (!presented || !safeEqual(presented, token))
      throw new HttpError('unauthorized', 'a valid bearer token is required');
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

export type AdminGuard = (request: FastifyRequest) => Promise<void>;

const adminGuards = new WeakSet<AdminGuard>();

/** Whether `hook` was made by requireAdmin: the admin scope refuses a route without one. */
export const isAdminGuard = (hook: unknown): boolean =>
  typeof hook === 'function' && adminGuards.has(hook as AdminGuard);

/**
 * onRequest hook for admin routes: a token from ADMIN_TOKENS whose role is one of `roles`. It runs
 * before the body is parsed and validated, so a caller without the right role learns nothing of
 * the schema (401 / 403 first, 400 only for those who may call the route).
 */
export const requireAdmin = (
  tokens: ReadonlyArray<{ name: string; role: 'support' | 'finance'; token: string }>,
  roles: ReadonlyArray<'support' | 'finance'>,
): AdminGuard => {
  const guard: AdminGuard = async (request) => {
    const presented = bearer(request);
    const match = presented ? tokens.find((t) => safeEqual(presented, t.token)) : undefined;
    if (!match) throw new HttpError('unauthorized', 'a valid admin bearer token is required');
    if (!roles.includes(match.role))
      throw new HttpError('forbidden', `role ${match.role} may not do this (needs ${roles.join(' or ')})`);
    request.admin = { name: match.name, role: match.role };
  };
  adminGuards.add(guard);
  return guard;
};
