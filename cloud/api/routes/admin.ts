/** Admin: API tokens, gateway registrations, erasure of a vehicle or driver. Plus /me for every role. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { DeviceId, RoleSchema, TokenInfoSchema, VehicleId } from '../schemas.ts';
import { RegistryError } from '../../hub/registry.ts';

const admin = { role: 'admin' } as const;
const tags = ['admin'];

const TokenBody = Type.Object(
  { role: RoleSchema, label: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001f]*$' })) },
  { additionalProperties: false },
);
const TokenParams = Type.Object({ tokenId: Type.String({ maxLength: 20, pattern: '^tok_[0-9a-f]{12}$' }) }, { additionalProperties: false });
const DeviceBody = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });
const DeviceParams = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });
const EraseBody = Type.Union(
  [
    Type.Object({ vehicle: VehicleId, reference: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
    Type.Object(
      { driver: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }), reference: Type.Optional(Type.String({ maxLength: 200 })) },
      { additionalProperties: false },
    ),
  ],
  { description: 'who to erase: a vehicle, or a driver by driver id; reference: e.g. the request ticket, kept in the audit row' },
);

function registryError(err: unknown): never {
  if (err instanceof RegistryError) {
    const status = err.code === 'DUPLICATE' ? 409 : err.code === 'NOT_FOUND' ? 404 : err.code === 'INVALID_ID' ? 400 : 503;
    throw new ApiError(status, err.message);
  }
  throw err;
}

export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/me',
    {
      config: { role: 'viewer' },
      schema: { summary: 'The token this request used: id, role, label', tags, response: { 200: TokenInfoSchema } },
    },
    async (req) => req.token!,
  );

  app.get(
    '/api/v1/tokens',
    { config: admin, schema: { summary: 'API tokens (never the tokens themselves)', tags, response: { 200: Type.Object({ tokens: Type.Array(TokenInfoSchema) }) } } },
    async () => ({ tokens: await ctx.tokens.list() }),
  );

  app.post<{ Body: Static<typeof TokenBody> }>(
    '/api/v1/tokens',
    {
      config: admin,
      schema: {
        summary: 'Creates a token; the response is the only time the token is shown',
        tags,
        body: TokenBody,
        response: { 201: Type.Object({ token: Type.String(), info: TokenInfoSchema }) },
      },
    },
    async (req, reply) => {
      const created = await ctx.tokens.create(req.body.role, req.body.label ?? null);
      req.log.info({ tokenId: created.info.id, role: created.info.role, by: req.token?.id }, 'token created');
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.delete<{ Params: Static<typeof TokenParams> }>(
    '/api/v1/tokens/:tokenId',
    { config: admin, schema: { summary: 'Revokes a token (open streams of it end too)', tags, params: TokenParams, response: { 200: TokenInfoSchema } } },
    async (req) => {
      const info = await ctx.tokens.revoke(req.params.tokenId);
      req.log.info({ tokenId: info.id, by: req.token?.id }, 'token revoked');
      return info;
    },
  );

  const devices = (): NonNullable<ApiContext['devices']> => {
    if (!ctx.devices) throw new ApiError(501, 'this hub has no device registry the API can manage (use the Azure portal or CLI for IoT Hub)');
    return ctx.devices;
  };

  app.get(
    '/api/v1/devices',
    {
      config: admin,
      schema: {
        summary: 'Registered gateways',
        tags,
        response: { 200: Type.Object({ devices: Type.Array(Type.Object({ deviceId: Type.String(), disabled: Type.Boolean() })) }) },
      },
    },
    async () => ({ devices: await devices().list().catch(registryError) }),
  );

  app.post<{ Body: Static<typeof DeviceBody> }>(
    '/api/v1/devices',
    {
      config: admin,
      schema: {
        summary: "Registers a gateway; the response carries its connection string (a secret, shown once)",
        tags,
        body: DeviceBody,
        response: { 201: Type.Object({ deviceId: Type.String(), connectionString: Type.String() }) },
      },
    },
    async (req, reply) => {
      const d = await devices().add(req.body.deviceId).catch(registryError);
      req.log.info({ deviceId: d.deviceId, by: req.token?.id }, 'device registered');
      return reply.code(201).header('cache-control', 'no-store').send(d);
    },
  );

  app.delete<{ Params: Static<typeof DeviceParams> }>(
    '/api/v1/devices/:deviceId',
    { config: admin, schema: { summary: 'Removes a gateway registration (its data stays; see erase)', tags, params: DeviceParams, response: { 204: Type.Null() } } },
    async (req, reply) => {
      await devices().remove(req.params.deviceId).catch(registryError);
      req.log.info({ deviceId: req.params.deviceId, by: req.token?.id }, 'device removed');
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof EraseBody> }>(
    '/api/v1/erase',
    {
      config: admin,
      schema: {
        summary: 'Erases a vehicle or a driver from every layer and the export; an audit row records it',
        tags,
        body: EraseBody,
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (req) => {
      const b = req.body;
      const subject = 'vehicle' in b ? { vehicle: b.vehicle } : { driver: b.driver };
      req.log.info({ kind: 'vehicle' in b ? 'vehicle' : 'driver', by: req.token?.id }, 'erase requested');
      const report = await ctx.pipeline.erase(subject, b.reference !== undefined ? { reference: b.reference } : {});
      return report;
    },
  );
}
