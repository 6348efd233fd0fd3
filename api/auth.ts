import type { RequestHandler } from 'express';
import type { Db } from '../db/client';
import { findPrincipalByToken, type PrincipalRecord } from '../db/principals';
import { ApiError } from './errors';

/** Whoever a valid token speaks for. */
export type Caller = PrincipalRecord;
/** A caller the customer-facing services serve: a customer user or a support agent (never a service token). */
export type Principal = Exclude<Caller, { kind: 'service' }>;
export type UserPrincipal = Extract<Principal, { kind: 'user' }>;
export type SupportPrincipal = Extract<Principal, { kind: 'support' }>;
export type ServicePrincipal = Extract<Caller, { kind: 'service' }>;
export type PrincipalKind = Caller['kind'];

const kindNames: Record<PrincipalKind, string> = {
  user: 'customer users',
  support: 'support agents',
  service: 'service tokens',
};

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/i;

/**
 * API.md: `Authorization: Bearer <token>`. The token is hashed before the lookup and never logged
 * (config/logger.ts also redacts the header wherever it could appear).
 */
export function authenticate(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) {
      throw new ApiError(
        'authentication_error',
        'missing_token',
        'Send your API token as `Authorization: Bearer <token>`.',
      );
    }
    const match = BEARER.exec(header.trim());
    const principal = match ? await findPrincipalByToken(db, match[1]) : null;
    if (!principal) throw new ApiError('authentication_error', 'invalid_token', 'The API token is not valid.');
    req.principal = principal;
    next();
  };
}

/** Who may call a route (API.md's "who" column); anyone else gets 403 permission_error. */
export function allow(kinds: readonly PrincipalKind[]): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) throw new ApiError('authentication_error', 'missing_token', 'This request needs an API token.');
    if (!kinds.includes(principal.kind)) {
      const who = kinds.map((k) => kindNames[k]).join(' and ');
      throw new ApiError('permission_error', 'permission_denied', `Only ${who} may call this endpoint.`);
    }
    next();
  };
}

/** The idempotency scope and audit actor of a principal. */
export function principalRef(principal: Caller): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'support':
      return `support:${principal.supportAgentId}`;
    case 'service':
      return `service:${principal.serviceClientId}`;
  }
}
