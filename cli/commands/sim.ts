import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { positiveInt } from '../files.ts';
import { UsageError } from '../usage-error.ts';
import type { FleetSpec } from '../../firmware-sim/index.ts';

interface SimOptions {
  trucks: number;
  seed: number;
  speedup: number;
  duration: number;
  broker?: string;
  scenario: string[];
  out?: string;
  clean?: boolean;
  listScenarios?: boolean;
}

function positiveNumber(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got '${raw}'`);
    return n;
  };
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

const clockTime = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export function simCommand(): Command {
  return new Command('sim')
    .description('the fleet simulator: realistic trucks whose sensors drive real gateways')
    .option('--trucks <n>', 'number of trucks', positiveInt('--trucks'), 5)
    .option('--seed <n>', 'deterministic seed', positiveInt('--seed'), 1)
    .option('--speedup <x>', 'simulated seconds per real second (144: a day in ten minutes)', positiveNumber('--speedup'), 60)
    .option('--duration <minutes>', 'simulated minutes to run', positiveNumber('--duration'), 60)
    .option('--broker <url>', "the MQTT broker the trucks' sensors connect to (e.g. a gateway's sensor port)")
    .option('--scenario <name|file>', 'a library scenario or a scenario file (YAML/JSON); repeatable', collect, [])
    .option('--out <file>', 'write the ground truth (JSON) here at the end')
    .option('--clean', 'no old firmware, misbehaving sensors or random trouble codes')
    .option('--list-scenarios', 'list the library scenarios and exit')
    .action(async (opts: SimOptions) => {
      const sim = await import('../../firmware-sim/index.ts');
      if (opts.listScenarios) {
        for (const name of sim.listScenarios()) {
          const s = sim.loadScenario(name);
          process.stdout.write(`${name.padEnd(22)} ${(s.description ?? '').replace(/\s+/g, ' ').trim()}\n`);
        }
        return;
      }
      // The seam for per-truck gateways: today every truck's sensors go to one broker.
      if (!opts.broker) throw new UsageError("required option '--broker <url>' not specified (one gateway per truck is not started by sim yet)");
      if (!/^(mqtts?|wss?|tcp):\/\//.test(opts.broker)) throw new UsageError(`--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got '${opts.broker}'`);
      let fleet: FleetSpec;
      try {
        fleet = sim.generateFleet({
          trucks: opts.trucks,
          seed: opts.seed,
          scenarioMix: opts.scenario,
          ...(opts.clean ? { variety: sim.CLEAN_VARIETY } : {}),
        });
      } catch (err) {
        if (err instanceof sim.ScenarioError) throw new UsageError(err.message);
        throw err;
      }
      const durationMs = opts.duration * 60_000;
      const hookLog: string[] = [];
      const run = sim.createFleetRun({
        fleet,
        brokerUrl: opts.broker,
        speedup: opts.speedup,
        durationMs,
        hooks: {
          // Without managed gateways these are reported, not applied.
          onUplinkCut: (t, from, to) => void hookLog.push(`${t.vehicle}: uplink cut ${clockTime(from)} - ${clockTime(to)}`),
          onPowerCut: (t, from, to) => void hookLog.push(`${t.vehicle}: power cut ${clockTime(from)} - ${clockTime(to)}`),
          onDepotWifi: (t, from, to) => void hookLog.push(`${t.vehicle}: depot Wi-Fi ${clockTime(from)} - ${clockTime(to)}`),
        },
      });
      const interactive = process.stderr.isTTY === true;
      let bar: SingleBar | null = null;
      let timer: NodeJS.Timeout | null = null;
      let interrupted = false;
      let stopWaiting: (() => void) | null = null;
      const onSignal = (): void => {
        interrupted = true;
        run.clock.stop();
        stopWaiting?.();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        try {
          await run.ready(10_000);
        } catch (err) {
          // Unreachable broker: close the clients, which would otherwise keep retrying for ever.
          await run.stop(0);
          throw err;
        }
        if (interactive) {
          bar = new SingleBar({
            format: 'sim [{bar}] {percentage}% | {simTime} | sent {sent} acked {acked} pending {pending} | lag {lag}s',
            hideCursor: true,
          });
          bar.start(durationMs, 0, { simTime: clockTime(fleet.startMs), sent: 0, acked: 0, pending: 0, lag: 0 });
          timer = setInterval(() => {
            const s = run.stats();
            bar?.update(s.simNow - fleet.startMs, {
              simTime: clockTime(s.simNow),
              sent: s.sent,
              acked: s.acked,
              pending: s.pending,
              lag: Math.round(s.lagMs / 1000),
            });
          }, 250);
        }
        run.start();
        await new Promise<void>((resolve) => {
          stopWaiting = resolve;
          void run.finished().then(resolve);
        });
      } finally {
        if (timer) clearInterval(timer);
        const end = run.stats();
        bar?.update(end.simNow - fleet.startMs, { simTime: clockTime(end.simNow), sent: end.sent, acked: end.acked, pending: end.pending, lag: 0 });
        bar?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const gt = await run.stop(interrupted ? 2000 : 5000);
      const lines = sim.summariseGroundTruth(gt);
      if (interrupted) lines.unshift('interrupted: stopped early');
      lines.push(...hookLog);
      if (opts.out) {
        await run.recorder.write(opts.out);
        lines.push(`ground truth written to ${opts.out}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
