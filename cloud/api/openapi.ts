/**
 * The OpenAPI 3.1 document, built from the route schemas as the routes are registered (fastify's onRoute hook), so
 * the document and the validation can never disagree. JSON Schema 2020-12 is OpenAPI 3.1's schema language, so the
 * TypeBox schemas go in as they are.
 */
import type { RouteOptions } from 'fastify';
import { ErrorSchema } from './schemas.ts';
import type { Role } from '../auth/roles.ts';

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Response media types (default application/json). */
    produces?: string[];
  }
}

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  response?: Record<string, unknown>;
  produces?: string[];
}

interface Collected {
  method: string;
  path: string;
  schema: RouteSchema;
  role: Role | undefined;
  ticket: boolean;
}

type JsonObject = Record<string, unknown>;
/** Plain JSON: drops TypeBox's symbol keys. */
const json = (v: unknown): JsonObject => JSON.parse(JSON.stringify(v ?? {})) as JsonObject;

function parameters(where: 'path' | 'query', schema: unknown): JsonObject[] {
  if (schema === undefined) return [];
  const s = json(schema) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => {
    const { description, ...rest } = p;
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

export class OpenApiCollector {
  private readonly routes: Collected[] = [];

  readonly onRoute = (r: RouteOptions): void => {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    const cfg = (r.config ?? {}) as { role?: Role; streamTicket?: boolean; docs?: boolean };
    if (!r.schema || cfg.docs === false) return;
    for (const m of methods) {
      this.routes.push({ method: m.toLowerCase(), path: r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}'), schema: r.schema as RouteSchema, role: cfg.role, ticket: cfg.streamTicket === true });
    }
  };

  document(info: { title: string; version: string }): JsonObject {
    const paths: Record<string, JsonObject> = {};
    const errorRef = { $ref: '#/components/schemas/Error' };
    for (const r of this.routes) {
      const s = r.schema;
      const responses: Record<string, JsonObject> = {};
      const produces = s.produces?.[0] ?? 'application/json';
      for (const [code, body] of Object.entries(s.response ?? {})) {
        responses[code] = code === '204' ? { description: 'no content' } : { description: 'success', content: { [produces]: { schema: json(body) } } };
      }
      if (!s.response) responses['200'] = { description: 'success', content: { [produces]: { schema: {} } } };
      const err = (d: string): JsonObject => ({ description: d, content: { 'application/json': { schema: errorRef } } });
      if (s.querystring || s.params || s.body) responses['400'] = err('bad input: the message names the parameter or field');
      if (r.role) {
        responses['401'] = err('no token, or an invalid or revoked one');
        responses['403'] = err(`the token's role is below ${r.role}`);
        responses['429'] = err('too many failed authentications from this address (see Retry-After)');
      }
      if (r.path.includes('{')) responses['404'] = err('unknown id');
      const op: JsonObject = {
        ...(s.summary ? { summary: s.summary } : {}),
        ...(s.description ? { description: s.description } : {}),
        ...(s.tags ? { tags: s.tags } : {}),
        parameters: [...parameters('path', s.params), ...parameters('query', s.querystring)],
        ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(s.body) } } } } : {}),
        responses,
        ...(r.role ? { security: r.ticket ? [{ bearer: [] }, { streamTicket: [] }] : [{ bearer: [] }], 'x-required-role': r.role } : { security: [] }),
      };
      (paths[r.path] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info: {
        ...info,
        description:
          'fleetsync cloud API. Bearer tokens with roles viewer < operator < admin (see docs/api.md). Times are epoch milliseconds unless a field says otherwise; days are UTC, YYYY-MM-DD.',
      },
      paths,
      components: {
        schemas: { Error: json(ErrorSchema) },
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token (fleetsync cloud token create --role <role>)' },
          streamTicket: { type: 'apiKey', in: 'query', name: 'ticket', description: 'single-use ticket from POST /api/v1/stream-tickets, for EventSource' },
        },
      },
    };
  }
}
