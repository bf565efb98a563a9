/** Gold reads by vehicle and day range: trips, stops, daily figures, reefer compliance, driver safety, data quality. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import type { DayRange, Row } from '../../pipeline/queries.ts';
import { DayRangeQuery, Rows, VehicleId } from '../schemas.ts';
import { checkDays } from '../time-params.ts';

const tags = ['gold'];

const range = (q: DayRangeQuery): DayRange => {
  checkDays(q);
  return {
    ...(q.vehicle !== undefined ? { vehicle: q.vehicle } : {}),
    ...(q.from !== undefined ? { from: q.from } : {}),
    ...(q.to !== undefined ? { to: q.to } : {}),
    limit: q.limit ?? 1000,
  };
};

const DriverQuery = Type.Object(
  { ...DayRangeQuery.properties, driver: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$', description: 'driver pseudonym' })) },
  { additionalProperties: false },
);
const QuarantineQuery = Type.Object(
  {
    vehicle: Type.Optional(VehicleId),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export function goldRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const q = ctx.read.queries;
  const dayRoutes: [path: string, summary: string, run: (r: DayRange) => Promise<Row[]>][] = [
    ['/api/v1/trips', 'Trips (Gold), by vehicle and day range', (r) => q.trips(r)],
    ['/api/v1/stops', 'Stops (Gold), by vehicle and day range', (r) => q.stops(r)],
    ['/api/v1/daily', 'Daily figures per vehicle (distance, engine hours, idle, fuel, speeds)', (r) => q.daily(r)],
    ['/api/v1/reefer-compliance', 'Reefer compliance per vehicle and day (minutes out of range, excursions, door open)', (r) => q.reeferCompliance(r)],
    ['/api/v1/quality', 'Data quality per vehicle and day (valid, quarantined, duplicates, reasons)', (r) => q.quality(r)],
  ];
  for (const [path, summary, run] of dayRoutes) {
    app.get<{ Querystring: DayRangeQuery }>(
      path,
      { config: { role: 'viewer' }, schema: { summary, description: 'Days are UTC, inclusive, YYYY-MM-DD.', tags, querystring: DayRangeQuery, response: { 200: Rows } } },
      async (req) => ({ rows: await run(range(req.query)) }),
    );
  }

  app.get<{ Querystring: Static<typeof DriverQuery> }>(
    '/api/v1/driver-safety',
    {
      config: { role: 'viewer' },
      schema: { summary: 'Driver safety per vehicle, day and driver pseudonym (harsh events per 100 km, overspeed time)', tags, querystring: DriverQuery, response: { 200: Rows } },
    },
    async (req) => ({ rows: await q.driverSafety({ ...range(req.query), ...(req.query.driver !== undefined ? { driver: req.query.driver } : {}) }) }),
  );

  app.get<{ Querystring: Static<typeof QuarantineQuery> }>(
    '/api/v1/quarantine',
    {
      config: { role: 'operator' },
      schema: { summary: 'Quarantined events, newest first, with the reason and the raw payload as JSON where it had one', tags, querystring: QuarantineQuery, response: { 200: Rows } },
    },
    async (req) =>
      ({
        rows: await q.quarantine({
          ...(req.query.vehicle !== undefined ? { vehicle: req.query.vehicle } : {}),
          ...(req.query.reason !== undefined ? { reason: req.query.reason } : {}),
          limit: req.query.limit ?? 100,
        }),
      }),
  );
}
