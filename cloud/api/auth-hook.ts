/**
 * Authentication and authorization, before anything else runs for a request (onRequest: no body parsed, no
 * validation, no query). A route declares the role it needs in its config; routes without one are public.
 *
 *  - no credentials: 401;  invalid, revoked or expired credentials: 401 and the failure is counted;
 *  - a role below the route's: 403;
 *  - a client address with too many counted failures in the current window: 429 with Retry-After, for every
 *    request that needs a token, until the window ends.
 * The presented token never reaches a log line: logs carry the token id only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FailureLimiter } from '../../shared/auth/failure-limiter.ts';
import { roleAtLeast, type Role } from '../auth/roles.ts';
import type { StreamTickets } from '../auth/stream-tickets.ts';
import type { TokenInfo, TokenStore } from '../auth/token-store.ts';
import { ApiError } from './errors.ts';
import type { ApiMetrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role that may call the route; absent = public. */
    role?: Role;
    /** The route also accepts a stream ticket in ?ticket= (EventSource cannot send headers). */
    streamTicket?: boolean;
    /** false keeps the route out of the OpenAPI document. */
    docs?: boolean;
  }
  interface FastifyRequest {
    /** The token the request authenticated with (routes with a role). */
    token: TokenInfo | null;
  }
}

export interface AuthDeps {
  tokens: TokenStore;
  tickets: StreamTickets;
  limiter: FailureLimiter;
  metrics: ApiMetrics;
}

const BEARER = /^Bearer +(\S+) *$/i;

export function installAuth(app: FastifyInstance, d: AuthDeps): void {
  app.decorateRequest('token', null);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const need = req.routeOptions.config.role;
    if (need === undefined) return;
    const client = req.ip;
    const wait = d.limiter.retryAfterS(client);
    if (wait > 0) {
      d.metrics.rateLimited.inc();
      void reply.header('retry-after', String(wait));
      throw new ApiError(429, `too many failed authentications from this address; retry in ${wait} s`);
    }
    const refuse = (reason: string, message: string, counted: boolean): never => {
      d.metrics.authFailures.inc({ reason });
      if (counted && d.limiter.fail(client)) req.log.warn({ client, reason }, 'authentication failures: client rate-limited');
      else req.log.info({ client, reason }, 'authentication refused');
      void reply.header('www-authenticate', 'Bearer realm="fleetsync"');
      throw new ApiError(401, message);
    };

    let token: TokenInfo | null = null;
    const header = req.headers.authorization;
    const ticket = req.routeOptions.config.streamTicket ? (req.query as { ticket?: unknown } | undefined)?.ticket : undefined;
    if (header !== undefined) {
      const m = BEARER.exec(header);
      if (!m) refuse('malformed', "the Authorization header must be 'Bearer <token>'", true);
      token = await d.tokens.verify(m![1]!);
      if (!token) refuse('invalid_token', 'invalid or revoked token', true);
    } else if (typeof ticket === 'string') {
      token = d.tickets.redeem(ticket);
      if (token && !(await d.tokens.isLive(token.id))) token = null;
      if (!token) refuse('invalid_ticket', 'invalid, used or expired stream ticket', true);
    } else {
      refuse('missing', 'authentication required: send Authorization: Bearer <token>', false);
    }
    if (!roleAtLeast(token!.role, need)) {
      d.metrics.authFailures.inc({ reason: 'forbidden' });
      req.log.info({ tokenId: token!.id, role: token!.role, need }, 'role too small');
      throw new ApiError(403, `this needs the ${need} role; the token has ${token!.role}`);
    }
    req.token = token;
  });
}
