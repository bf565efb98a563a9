/**
 * Operator actions on a vehicle's gateway: direct methods (a fixed list) and desired-property changes, which are
 * checked with the gateway's own rules before anything is sent.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { checkDesiredPatch } from '../desired-check.ts';
import { ApiError, notFound } from '../errors.ts';
import { MethodName, TwinSchema, VehicleId } from '../schemas.ts';

const tags = ['actions'];
const operator = { role: 'operator' } as const;
/** IoT Hub's limit for a direct method payload. */
const MAX_METHOD_PAYLOAD_BYTES = 128 * 1024;

const MethodParams = Type.Object({ id: VehicleId, method: MethodName }, { additionalProperties: false });
const MethodBody = Type.Object(
  {
    payload: Type.Optional(Type.Unknown({ description: 'JSON handed to the method' })),
    timeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 300, default: 30, description: 'how long to wait for the gateway' })),
  },
  { additionalProperties: false },
);
const AnyObjectOrNull = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]);
const DesiredBody = Type.Object(
  {
    uplink: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true, description: 'partial uplink settings (edge/remote-config.ts UplinkPatch)' }), Type.Null()])),
    rules: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true, description: 'an alert rule set (docs/alert-rules.md)' }), Type.Null()])),
    killSwitch: Type.Optional(AnyObjectOrNull),
  },
  { additionalProperties: false, minProperties: 1, description: 'JSON merge patch of the desired properties; null removes a section' },
);

async function gatewayOf(ctx: ApiContext, id: string): Promise<string> {
  const device = await ctx.fleet.deviceOf(id);
  if (device === undefined) throw notFound('vehicle', id);
  if (device === null) throw new ApiError(409, `no gateway is known for vehicle '${id}' yet`);
  return device;
}

export function actionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Params: Static<typeof MethodParams>; Body: Static<typeof MethodBody> | undefined }>(
    '/api/v1/vehicles/:id/methods/:method',
    {
      config: operator,
      schema: {
        summary: "Invokes one of the gateway's direct methods: getStatus, flush, pauseUplink, resumeUplink",
        description: '504 when the gateway does not answer within timeoutS (offline gateways cannot answer).',
        tags,
        params: MethodParams,
        body: MethodBody,
        response: { 200: Type.Object({ status: Type.Integer(), payload: Type.Unknown() }, { additionalProperties: false }) },
      },
      // The body is optional: no body means no payload and the default timeout.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => {
      const body = req.body ?? {};
      const payload = body.payload ?? null;
      if (Buffer.byteLength(JSON.stringify(payload)) > MAX_METHOD_PAYLOAD_BYTES) throw new ApiError(413, `method payload is larger than ${MAX_METHOD_PAYLOAD_BYTES} bytes`);
      const device = await gatewayOf(ctx, req.params.id);
      req.log.info({ deviceId: device, method: req.params.method, tokenId: req.token?.id }, 'invoking direct method');
      const r = await ctx.hub.invokeMethod(device, req.params.method, payload, body.timeoutS ?? 30);
      return { status: r.status, payload: r.payload ?? null };
    },
  );

  app.patch<{ Params: Static<typeof IdOnly>; Body: Static<typeof DesiredBody> }>(
    '/api/v1/vehicles/:id/desired',
    {
      config: operator,
      schema: {
        summary: "Changes the gateway's desired properties (uplink, rules, killSwitch), checked first with the gateway's own validation",
        description:
          'The patch is merged into the current desired properties as the hub will merge it, and each section it touches must pass the gateway checks (edge/remote-config.ts applyDesired, validateRuleSet); otherwise 400 with every problem in details and nothing is sent.',
        tags,
        params: IdOnly,
        body: DesiredBody,
        response: { 200: TwinSchema },
      },
    },
    async (req) => {
      const device = await gatewayOf(ctx, req.params.id);
      const patch = req.body as Record<string, unknown>;
      const current = await ctx.hub.getTwin(device);
      const check = checkDesiredPatch(current.desired, patch);
      if (!check.ok) throw new ApiError(400, `desired properties refused: ${check.errors[0]}`, check.errors);
      req.log.info({ deviceId: device, sections: Object.keys(patch), tokenId: req.token?.id }, 'updating desired properties');
      const twin = await ctx.hub.updateDesired(device, patch);
      ctx.twins.invalidate(device);
      return { deviceId: twin.deviceId, desired: twin.desired, reported: twin.reported };
    },
  );
}

const IdOnly = Type.Object({ id: VehicleId }, { additionalProperties: false });
