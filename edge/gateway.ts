import { existsSync, mkdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { AlertV2, ConnectivityState } from '../shared/contracts/types.ts';
import { alertTopic, c2dTopic } from '../shared/sensor-protocol/topics.ts';
import { VERSION } from '../shared/version.ts';
import type { GatewaySettings } from './settings.ts';
import { Journal, type AppendDone, type JournalItem } from './journal/index.ts';
import { createAlertEngine, loadDefaultRules, parseRuleSet, type RuleSet, type AlertEngine } from './alerts/index.ts';
import { startSensorBroker, type SensorBroker } from './broker/sensor-broker.ts';
import { attachExternalBroker } from './broker/external-broker.ts';
import { createIngest, emitAlerts } from './ingest.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { startStatusServer } from './http/status-server.ts';
import { HubConnection } from './uplink/hub-connection.ts';
import { Forwarder, type ForwarderSettings } from './uplink/forwarder.ts';
import { applyDesired, combinedKillSwitch, mergePatch, EMPTY_REMOTE_CONFIG, type RemoteConfig } from './remote-config.ts';
import { laneStatuses, reportDue, reportedSync, statusEvent } from './sync-status.ts';
import { writeFileAtomicSync } from '../shared/fs/locked-file.ts';

export interface Gateway {
  readonly settings: GatewaySettings;
  readonly journal: Journal;
  readonly engine: AlertEngine;
  readonly metrics: GatewayMetrics;
  readonly broker: SensorBroker | null;
  readonly link: HubConnection | null;
  readonly forwarder: Forwarder | null;
  readonly ports: { mqtt?: number; mqtts?: number; ws?: number; http: number };
  remoteConfig(): RemoteConfig & { errors: string[] };
  close(): Promise<void>;
}

const STATUS_EVENT_INTERVAL_MS = 60_000;
const REPORT_CHECK_MS = 2_000;
const REPORT_MIN_MS = 10_000;
const REPORT_MAX_MS = 300_000;

function loadLocalRules(settings: GatewaySettings): RuleSet {
  const file = settings.alerts.rulesFile;
  if (!file) return loadDefaultRules();
  const res = parseRuleSet(readFileSync(file, 'utf8'), /\.json$/i.test(file) ? 'json' : 'yaml');
  if (!res.ok) throw new Error(`${file}: ${res.errors.join('; ')}`);
  return res.rules;
}

/**
 * The twin configuration last applied, as saved for starts without a hub. It is checked again like a desired
 * document: a file that is unreadable, or a section an upgrade no longer accepts, must not keep the gateway from
 * starting (a restart loop on a truck), so such a section is dropped with an error and the twin sets it again.
 */
function loadPersistedRemote(path: string, log: Logger): { config: RemoteConfig; errors: string[] } {
  if (!existsSync(path)) return { config: EMPTY_REMOTE_CONFIG, errors: [] };
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<RemoteConfig> | null;
    const doc: Record<string, unknown> = { $version: typeof saved?.version === 'number' ? saved.version : 0 };
    if (saved?.uplink) doc.uplink = saved.uplink;
    if (saved?.rules) doc.rules = saved.rules;
    if (saved?.killSwitch) doc.killSwitch = saved.killSwitch;
    const res = applyDesired(EMPTY_REMOTE_CONFIG, doc);
    if (res.errors.length) log.error({ path, errors: res.errors }, 'saved twin configuration refused in part; those sections wait for the twin');
    return res;
  } catch (err) {
    log.error({ path, err: (err as Error).message }, 'saved twin configuration unreadable; starting without it until the twin is read');
    return { config: EMPTY_REMOTE_CONFIG, errors: [`${path}: ${(err as Error).message}`] };
  }
}

/**
 * Starts one truck's gateway: journal, alert engine, sensor broker (or an attachment to the truck's own broker),
 * uplink to the hub, twin configuration, status reporting, and the local HTTP port. Everything it acknowledges is
 * in the journal first; everything in the journal leaves only after the hub acknowledged it.
 */
export async function startGateway(settings: GatewaySettings, log: Logger = pino({ level: settings.log.level })): Promise<Gateway> {
  const startedAt = Date.now();
  mkdirSync(settings.dataDir, { recursive: true });
  const remotePath = join(settings.dataDir, 'remote-config.json');
  const journal = await Journal.open({ ...settings.journal, dir: join(settings.dataDir, 'journal') });
  journal.on('fault', (err: Error) => log.error({ err: err.message }, 'journal write failed; reopening'));
  // Info, not warn: this is the journal keeping what it can while the uplink is away; evictions are the loss.
  journal.on('downsampled', (lane, events, written) => log.info({ lane, events, written }, 'old telemetry folded into rollups to make room'));

  let localRules = loadLocalRules(settings);
  const persisted = loadPersistedRemote(remotePath, log);
  let remote: RemoteConfig = persisted.config;
  let remoteErrors: string[] = persisted.errors;
  const engine = createAlertEngine(remote.rules ?? localRules, { vehicles: [settings.vehicle] });
  engine.setKillSwitch(combinedKillSwitch(settings.alerts.killSwitch, remote.killSwitch));

  let broker: SensorBroker | null = null;
  let link: HubConnection | null = null;
  let forwarder: Forwarder | null = null;
  const connectivity = (): ConnectivityState => {
    if (!link) return 'offline';
    if (forwarder?.settings.paused) return 'paused';
    return link.state === 'online' ? 'online' : link.state === 'connecting' ? 'connecting' : 'offline';
  };
  const metrics = createGatewayMetrics({
    laneStats: () => laneStatuses(journal.status()),
    uplinkState: () => connectivity(),
    diskBytes: () => journal.diskBytes,
    quickAck: () => broker?.quickAck ?? false,
    quickAcks: () => broker?.quickAcks() ?? 0,
  });
  journal.on('wrote', (ms) => metrics.journalWrite.observe(ms / 1000));
  journal.on('undecodable', (lane, seq, reason) => {
    metrics.undecodable.inc({ lane });
    log.error({ lane, seq, reason }, 'stored event does not decode; left out of the uplink');
  });

  const showAlert = (alert: AlertV2): void => {
    if (!broker) return;
    const topic = alertTopic(settings.vehicle, alert.id);
    // Retained current state for displays that connect later; an empty retained payload removes a cleared alert.
    const payload = alert.state === 'cleared' ? '' : JSON.stringify(alert);
    broker.publishLocal(topic, payload, { retain: alert.state !== 'summary' }).catch((err: Error) => log.warn({ err: err.message }, 'alert not shown locally'));
  };
  const alertDeps = { metrics, showAlert };
  const alertStored: AppendDone = (err) => {
    if (err) log.error({ err: err.message }, 'alert not journalled');
  };
  const storeAlert = (item: JournalItem): void => journal.appendThen('alerts', item, alertStored);
  const emit = (alerts: AlertV2[]): void => emitAlerts(alertDeps, alerts, Date.now(), storeAlert);

  let newestSensorTime = 0;
  const ingest = createIngest({
    journal, engine, maxPayloadBytes: settings.broker.maxPayloadBytes, metrics, log, showAlert,
    clock: settings.alerts.clock,
    onSensorTime: (t) => (newestSensorTime = Math.max(newestSensorTime, t)),
  });
  const ruleNow = (): number => (settings.alerts.clock === 'sensor' ? newestSensorTime : Date.now());
  const ports: Gateway['ports'] = { http: 0 };
  let detachExternal: (() => Promise<void>) | null = null;
  if (settings.mode === 'embedded') {
    broker = await startSensorBroker(settings, ingest, log, (what) => {
      if (what === 'authFailures') metrics.authFailures.inc();
      else if (what === 'aclDenied') metrics.aclDenied.inc();
      else if (what === 'connectionErrors') metrics.connectionErrors.inc();
    });
    ports.mqtt = broker.ports.tcp;
    if (broker.ports.tls !== undefined) ports.mqtts = broker.ports.tls;
    if (broker.ports.ws !== undefined) ports.ws = broker.ports.ws;
  } else {
    if (!settings.external) throw new Error('mode "external" needs the `external` settings section');
    detachExternal = await attachExternalBroker(settings.external, settings.vehicle, ingest, log);
  }

  const forwarderSettings = (): ForwarderSettings => {
    const u = { ...settings.uplink, ...remote.uplink };
    return { batchTargetBytes: u.batchTargetBytes, telemetryMaxAgeMs: u.telemetryMaxAgeMs, alertsMaxAgeMs: u.alertsMaxAgeMs, inflight: u.inflight, backlogShare: u.backlogShare, paused: u.paused };
  };
  const syncInputs = () => ({
    gatewayId: settings.gatewayId, vehicle: settings.vehicle, version: VERSION, startedAt,
    connectivity: connectivity(), journal: journal.status(), rejects: journal.laneStatus('rejects').nextSeq - 1, now: Date.now(),
  });

  let desiredDoc: Record<string, unknown> = {};
  const applyRemote = (doc: Record<string, unknown>): void => {
    const res = applyDesired(remote, doc);
    remoteErrors = res.errors;
    if (res.errors.length) log.warn({ errors: res.errors }, 'desired properties refused in part; last good values stay');
    const rulesChanged = JSON.stringify(res.config.rules) !== JSON.stringify(remote.rules);
    remote = res.config;
    try {
      if (rulesChanged) emit(engine.replaceRules(remote.rules ?? localRules, ruleNow()));
    } catch (err) {
      remoteErrors.push(`/rules: ${(err as Error).message}`);
    }
    emit(engine.setKillSwitch(combinedKillSwitch(settings.alerts.killSwitch, remote.killSwitch), ruleNow()));
    forwarder?.update(forwarderSettings());
    writeFileAtomicSync(remotePath, JSON.stringify(remote));
    lastReport = null; // report the outcome promptly
  };

  const appendStatus = (): void => {
    journal.append('status', { rt: Date.now(), kind: 'status', body: statusEvent(syncInputs()) }).catch((err: Error) => log.warn({ err: err.message }, 'status not journalled'));
  };
  const timers: NodeJS.Timeout[] = [];
  let lastReport: { at: number; doc: string } | null = null;
  if (settings.uplink.connectionString) {
    link = new HubConnection({
      connectionString: settings.uplink.connectionString,
      ...(settings.uplink.caFile ? { ca: readFileSync(settings.uplink.caFile, 'utf8') } : {}),
      keepaliveS: settings.uplink.keepaliveS,
      twinTimeoutMs: settings.uplink.twinTimeoutMs,
      sendTimeoutMs: settings.uplink.sendTimeoutMs,
      retryMinMs: settings.uplink.retryMinMs,
      retryMaxMs: settings.uplink.retryMaxMs,
      log: log.child({ part: 'uplink' }),
      methods: {
        getStatus: async () => ({ status: 200, payload: { ...statusEvent(syncInputs()), remote: { version: remote.version, errors: remoteErrors } } }),
        flush: async (payload) => {
          const timeoutMs = Math.min(60_000, Number((payload as { timeoutMs?: number } | null)?.timeoutMs ?? 20_000) || 20_000);
          const drained = (await forwarder?.flush(timeoutMs)) ?? false;
          return { status: drained ? 200 : 202, payload: { drained, lanes: laneStatuses(journal.status()) } };
        },
        pauseUplink: async () => (forwarder?.setPaused(true), appendStatus(), { status: 200, payload: { paused: true } }),
        resumeUplink: async () => (appendStatus(), forwarder?.setPaused(false), { status: 200, payload: { paused: false } }),
      },
      onDesired: (doc, full) => {
        desiredDoc = full ? doc : mergePatch(desiredDoc, doc);
        applyRemote(desiredDoc);
      },
      onC2D: (body) => {
        broker?.publishLocal(c2dTopic(settings.vehicle), body, { qos: 1 }).catch((err: Error) => log.warn({ err: err.message }, 'C2D not delivered locally'));
      },
    });
    forwarder = new Forwarder(journal, link, settings.gatewayId, forwarderSettings(), log.child({ part: 'forwarder' }), {
      onSent: (lane, events) => (metrics.batchesSent.inc({ lane }), metrics.eventsSent.inc({ lane }, events)),
      onSendFailed: () => metrics.sendFailures.inc(),
    });
    link.on('state', (s) => {
      log.info({ state: s }, 'uplink state');
      // The cloud learns evictions and downsampling from status events: after an outage it needs them at once, not
      // at the next minute's.
      if (s === 'online') appendStatus();
    });
    link.start();
    forwarder.start();
    timers.push(
      setInterval(() => {
        if (link?.state !== 'online') return;
        const doc = { sync: reportedSync(syncInputs()), config: { version: remote.version, errors: remoteErrors } };
        if (!reportDue(lastReport, doc.sync, Date.now(), REPORT_MIN_MS, REPORT_MAX_MS) && lastReport !== null) return;
        lastReport = { at: Date.now(), doc: JSON.stringify(doc.sync) };
        link.updateReported({ ...doc, updatedAt: new Date().toISOString() }).catch((err: Error) => log.debug({ err: err.message }, 'reported update failed'));
      }, REPORT_CHECK_MS),
    );
  } else {
    log.warn('no uplink.connectionString: journalling only, nothing is forwarded');
  }

  // Time-based rules (silence, durations) need a clock even when no reading arrives.
  timers.push(setInterval(() => ruleNow() > 0 && emit(engine.tick(ruleNow())), 1000));
  timers.push(setInterval(appendStatus, STATUS_EVENT_INTERVAL_MS));
  appendStatus();

  let rulesWatcher: FSWatcher | null = null;
  if (settings.alerts.rulesFile) {
    rulesWatcher = watch(settings.alerts.rulesFile, () => {
      try {
        localRules = loadLocalRules(settings);
        if (!remote.rules) emit(engine.replaceRules(localRules, ruleNow()));
        log.info('rules file reloaded');
      } catch (err) {
        log.error({ err: (err as Error).message }, 'rules file refused; last good rules stay');
      }
    });
  }

  const http = await startStatusServer(settings.http.host, settings.http.port, metrics.registry, () => ({
    ok: journal.state === 'open',
    journal: journal.state,
    uplink: connectivity(),
    bootId: journal.bootId,
  }));
  ports.http = http.port;
  log.info({ ports, gateway: settings.gatewayId, vehicle: settings.vehicle, bootId: journal.bootId }, 'gateway started');

  return {
    settings, journal, engine, metrics, broker, link, forwarder, ports,
    remoteConfig: () => ({ ...remote, errors: remoteErrors }),
    close: async () => {
      for (const t of timers) clearInterval(t);
      rulesWatcher?.close();
      await detachExternal?.();
      await broker?.close();
      await forwarder?.stop();
      await link?.close();
      await http.close();
      await journal.close();
      log.info('gateway stopped');
    },
  };
}
