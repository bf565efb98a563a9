/**
 * The dashboard in a real Chromium: a running cloud (pipeline in a temp folder, embedded hub endpoint with a real
 * gateway-side SDK client, the API on 127.0.0.1), a login with a token, the fleet with its statuses, an alert that
 * appears live when a sensor crosses a threshold (its alert batch goes through Bronze), the vehicle page, and
 * screenshots under test/artifacts/. Skipped, with the reason printed, where no Chromium is installed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudApi, embeddedDeviceAdmin, listenCloudApi } from '../../cloud/api/index.ts';
import { TokenStore } from '../../cloud/auth/token-store.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { ingestFleet, pushAlert, TestGateway } from '../api/support.ts';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
const CHROMIUM = CANDIDATES.find((p) => existsSync(p));
if (!CHROMIUM) console.warn(`SKIPPED dashboard end-to-end test: no Chromium found (looked at ${CANDIDATES.join(', ')}; set CHROMIUM_PATH)`);

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

let dir: string;
let pipeline: Pipeline;
let hub: EmbeddedHub;
let app: FastifyInstance;
let base: string;
let token: string;
let browser: BrowserContext | undefined;
let device: InstanceType<typeof deviceSdk.Client> | undefined;

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    if (!CHROMIUM) return;
    dir = await mkdtemp(join(tmpdir(), 'fleetsync-e2e-'));
    pipeline = await Pipeline.open({ dataDir: join(dir, 'cloud'), settings: { export: { enabled: false }, loop: { debounceMs: 20 } } });
    pipeline.start();
    // A fleet day ending now: TRK-1 seen 30 s ago, TRK-2 two hours ago; gw-3 registered and never seen.
    await ingestFleet(pipeline, Date.now());
    await pipeline.processPending();
    hub = new EmbeddedHub({ port: 0, bind: '127.0.0.1', dataDir: join(dir, 'hub') }, { logger: pino({ level: 'silent' }) });
    await hub.start(pipeline.sink);
    for (const id of ['gw-1', 'gw-2', 'gw-3']) await hub.registry.add(id);
    app = await createCloudApi({
      pipeline,
      hub,
      dataDir: join(dir, 'cloud'),
      devices: embeddedDeviceAdmin(hub),
      connectedDevices: () => hub.connectedDevices(),
        settings: { alertPollMs: 200 },
      metrics: { defaultMetrics: false },
    });
    base = await listenCloudApi(app, { host: '127.0.0.1', port: 0 });
    token = (await (await TokenStore.open(join(dir, 'cloud'))).create('operator', 'e2e')).token;
    // gw-1 connects to the hub and reports its sync state, as the gateway does.
    device = deviceSdk.Client.fromConnectionString(await hub.connectionString('gw-1', 'primary', `127.0.0.1:${hub.port}`), mqttTransport.Mqtt);
    await device.setOptions({ ca: hub.caPem });
    await device.open();
    const twin = await device.getTwin();
    await new Promise<void>((resolve, reject) =>
      twin.properties.reported.update(
        { sync: { lanes: { telemetry: { backlogEvents: 17, backlogBytes: 900, oldestUnsentMs: Date.now() - 20_000, lastAckedSeq: 5, lastAckAt: Date.now(), evicted: 0 } }, connectivity: 'online', updatedAt: Date.now() } },
        (err?: Error) => (err ? reject(err) : resolve()),
      ),
    );
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1400, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (device) await Promise.race([device.close().catch(() => undefined), sleep(3000)]);
    await app?.close();
    await hub?.stop();
    await pipeline?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!CHROMIUM)('logs in, shows the fleet with statuses, shows a new alert live, draws the vehicle page', async () => {
    const page = await browser!.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    const requested: string[] = [];
    page.on('request', (r) => {
      requested.push(r.url());
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
    });

    await page.goto(base);
    await page.fill('#token', 'fst_not-a-valid-token-at-all-xxxxxxxxxxxxxxxx');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login-error:text("That token is not valid.")');
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');

    // The fleet, with each vehicle's status.
    await page.waitForSelector('#fleet-table tr[data-vehicle="TRK-1"] .badge.online');
    await page.waitForSelector('#fleet-table tr[data-vehicle="TRK-2"] .badge.offline');
    await page.waitForSelector('#fleet-table tr[data-vehicle="gw-3"] .badge.unknown');
    expect(await page.textContent('#fleet-table tr[data-vehicle="TRK-1"]')).toContain('17'); // backlog from the twin
    expect(await page.textContent('#fleet-counts')).toBe('3 vehicles: 1 online, 1 offline, 1 unknown');
    // Sorting and filtering.
    await page.click('#fleet-table th:nth-child(2) button');
    await page.click('#fleet-table th:nth-child(2) button');
    expect(await page.getAttribute('#fleet-table tbody tr:first-child', 'data-vehicle')).toBe('gw-3');
    await page.selectOption('#fleet-status', 'offline');
    expect(await page.$$eval('#fleet-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-vehicle')))).toEqual(['TRK-2']);
    await page.selectOption('#fleet-status', '');

    // A sensor crosses a threshold: the gateway's alert batch arrives, and the alert shows up without a reload.
    await page.waitForSelector('#stream-state.live');
    const gw = new TestGateway('gw-1', 'TRK-1', '01JNZ8Q3W5M7Y2K4T6V8X0B1E2');
    await pushAlert(pipeline, gw, 'e2e-reefer-1', 'Reefer supply 12.4 C above setpoint 3.0 C', Date.now());
    const item = await page.waitForSelector('#live-alerts li[data-alert="e2e-reefer-1"]');
    expect(await item.textContent()).toContain('Reefer supply 12.4 C above setpoint 3.0 C');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fleet.png'), fullPage: true });

    // The vehicle page: charts, sync timeline, route of the day.
    await page.click('#fleet-table tr[data-vehicle="TRK-1"] a');
    await page.waitForSelector('#vehicle-status.online');
    // The time series are uPlot charts (a canvas each), the library served by this service itself.
    for (const label of ['speed', 'temperatures', 'backlog', 'ingest lag']) {
      await page.waitForSelector(`div.chart[aria-label="${label}"] .uplot canvas`, { state: 'attached' });
    }
    await page.waitForSelector('div.chart[aria-label="backlog"][data-periods~="offline"]', { state: 'attached' });
    const canvases = await page.$$eval('div.chart .uplot canvas', (els) => els.map((c) => Number(c.getAttribute('width'))));
    expect(canvases.length).toBeGreaterThanOrEqual(4);
    expect(canvases.every((w) => w > 0)).toBe(true);
    expect(await page.textContent('div.chart[aria-label="temperatures"] .u-legend')).toMatch(/temp|setpoint/);
    expect(requested).toContain(`${base}/vendor/uplot/uPlot.esm.js`);
    expect(requested).toContain(`${base}/vendor/uplot/uPlot.min.css`);
    await page.waitForSelector('svg.route-map line.route', { state: 'attached' });
    await page.waitForSelector('#vehicle-twin');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-vehicle.png'), fullPage: true });

    // The pipeline page.
    await page.click('nav a[data-page="pipeline"]');
    await page.waitForSelector('#quarantine-reasons');
    expect(await page.textContent('#pipeline')).toContain('value_type');

    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    // The token stays in this tab's session storage, not in a cookie.
    expect(await browser!.cookies()).toEqual([]);
    await page.close();
  });
});
