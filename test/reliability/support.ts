/**
 * Shared pieces of the reliability, security and chaos suites: raw MQTT packets written by hand (so a test can send
 * exactly the bytes a broken or hostile peer would), raw TCP/TLS sessions that record what the broker answered,
 * real wire batches, the `fleetsync cloud` process, read-only views of Bronze and Silver, and result files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, totalmem } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ReadingV2, StampedEvent } from '../../shared/contracts/types.ts';
import { batchId, encodeBatch, messageProperties, WIRE_CONTENT_ENCODING, WIRE_CONTENT_TYPE, type BatchHeaderInput } from '../../shared/wire/index.ts';
import { DB_FILE } from '../../cloud/storage/duckdb.ts';
import { waitFor } from '../support/wait-for.ts';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(REPO, 'cli', 'fleetsync.js');

export { waitFor };

// ------------------------------------------------------------------------------------------------ raw MQTT packets

export { varint, packet, connectPacket, publishPacket, connackCode, type ConnectOptions } from '../support/mqtt-packets.ts';

// ------------------------------------------------------------------------------------------------ raw sessions

export interface RawSession {
  socket: Socket;
  /** Everything the server wrote. */
  received(): Buffer;
  /** Resolves when the server (or the network) closed the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
  send(bytes: Buffer): Promise<void>;
  /** Streams `total` filler bytes in 64 KiB chunks, stopping when the connection closes; resolves with what was written. */
  stream(total: number): Promise<number>;
  end(): void;
}

function session(socket: Socket): RawSession {
  const chunks: Buffer[] = [];
  let isClosed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => ((isClosed = true), r())));
  return {
    socket,
    received: () => Buffer.concat(chunks),
    closed,
    isClosed: () => isClosed,
    send: (bytes) =>
      new Promise((res) => {
        if (socket.destroyed) return res();
        socket.write(bytes, () => res());
      }),
    stream: async (total) => {
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      let sent = 0;
      while (sent < total && !isClosed && !socket.destroyed) {
        const ok = socket.write(chunk);
        sent += chunk.length;
        if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), closed, sleep(2000)]);
      }
      return sent;
    },
    end: () => socket.destroy(),
  };
}

export async function rawTcp(port: number): Promise<RawSession> {
  const socket = netConnect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  return session(socket);
}

export async function rawTls(port: number, ca: string): Promise<RawSession> {
  const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await new Promise<void>((res, rej) => {
    socket.once('secureConnect', res);
    socket.once('error', rej);
  });
  return session(socket);
}

/** Waits up to `ms` for the connection to close; true if it did. */
export async function closesWithin(s: RawSession, ms: number): Promise<boolean> {
  await Promise.race([s.closed, sleep(ms)]);
  return s.isClosed();
}

// ------------------------------------------------------------------------------------------------ wire batches

export const EPOCH = '01JRELIABILITYEPOCH0000001';

export function probeReading(vehicle: string, n: number, t = Date.now()): ReadingV2 {
  return { v: 2, vehicle, sensor: 'probe', signal: 'seq_probe', value: n, unit: 'count', sensorTime: t, quality: 'good' };
}

export interface WireMessage {
  bytes: Uint8Array;
  messageId: string;
  properties: Record<string, string>;
  firstSeq: number;
  lastSeq: number;
}

/** A real telemetry batch of readings with seqs firstSeq..firstSeq+count-1 (reading value = seq). */
export function readingBatch(gatewayId: string, vehicle: string, firstSeq: number, count: number, epoch = EPOCH, t = Date.now()): WireMessage {
  const events: StampedEvent[] = Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + i,
    rt: t,
    kind: 'reading' as const,
    body: probeReading(vehicle, firstSeq + i, t),
  }));
  const header: BatchHeaderInput = { gatewayId, epoch, lane: 'telemetry', createdAt: t };
  const bytes = encodeBatch(header, events);
  const full = { ...header, firstSeq, lastSeq: firstSeq + count - 1 };
  return { bytes, messageId: batchId(full), properties: messageProperties(full), firstSeq, lastSeq: full.lastSeq };
}

/** An azure-iot-device Message carrying a batch the way the gateway's uplink sends it. */
export function toSdkMessage<M extends { messageId: string; properties: { add(k: string, v: string): void } }>(
  make: (body: Buffer) => M,
  w: Pick<WireMessage, 'bytes' | 'messageId' | 'properties'>,
  messageId = w.messageId,
): M {
  const msg = make(Buffer.from(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength));
  msg.messageId = messageId;
  const loose = msg as unknown as { contentType: string; contentEncoding: string };
  loose.contentType = WIRE_CONTENT_TYPE;
  loose.contentEncoding = WIRE_CONTENT_ENCODING;
  for (const [k, v] of Object.entries(w.properties)) msg.properties.add(k, v);
  return msg;
}

// ------------------------------------------------------------------------------------------------ Bronze and Silver

export type Row = unknown[];

/** Runs queries on a closed pipeline's database file (read-only, so it never changes what it checks). */
export async function queryPipelineFile<T>(dataDir: string, fn: (q: (sql: string) => Promise<Row[]>) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(join(dataDir, DB_FILE), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return await fn(async (sql) => (await conn.runAndReadAll(sql)).getRows());
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

// ------------------------------------------------------------------------------------------------ cloud process

export interface CloudProcess {
  child: ChildProcess;
  dataDir: string;
  port: number;
  caFile: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9(): Promise<void>;
  term(): Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** `fleetsync cloud` on a data folder, as a user runs it; resolves once it listens. */
export async function spawnCloud(dataDir: string, port = 0, extraArgs: string[] = []): Promise<CloudProcess> {
  const child = spawn(process.execPath, [CLI, 'cloud', '--data', dataDir, '--port', String(port), '--api-port', '0', '--host', '127.0.0.1', '--log-level', 'warn', ...extraArgs], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    if (err.length > 1_000_000) err = err.slice(-500_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      res({ code, signal });
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor('fleetsync cloud to listen', () => {
    if (gone) throw new Error(`fleetsync cloud exited before listening: ${err.slice(-2000)}`);
    return out.includes('CA certificate:');
  }, 60_000, 50);
  const listened = /IoT Hub endpoint: port (\d+)/.exec(out);
  const ca = /CA certificate:\s+(\S+)/.exec(out);
  return {
    child,
    dataDir,
    port: Number(listened?.[1]),
    caFile: ca?.[1] ?? '',
    stderr: () => err,
    exited,
    kill9: async () => {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    term: async () => {
      if (!gone) child.kill('SIGTERM');
      const r = await Promise.race([exited, sleep(30_000).then(() => null)]);
      if (!r) {
        child.kill('SIGKILL');
        throw new Error('fleetsync cloud did not stop within 30 s of SIGTERM');
      }
      return r.code;
    },
  };
}

export async function killAllCloud(): Promise<void> {
  await Promise.all([...children].map((c) => new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGKILL')))));
}

// ------------------------------------------------------------------------------------------------ results

export const ARTIFACTS = join(REPO, 'test', 'artifacts');

/** The machine a figure was measured on. */
export function machine(): { nproc: number; memGiB: number; node: string; load: string } {
  return { nproc: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, load: loadavg().map((x) => x.toFixed(1)).join(' ') };
}

/** Writes one test's figures to test/artifacts/<name>.json and prints them as one line. */
export function recordResult(name: string, figures: Record<string, unknown>): void {
  const doc = { name, at: new Date().toISOString(), machine: machine(), ...figures };
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`[result] ${name}: ${JSON.stringify(figures)}\n`);
}
