import { Command } from 'commander';
import { pino } from 'pino';
import { positiveInt } from '../files.ts';
import { untilSignal } from '../signals.ts';
import { UsageError } from '../usage-error.ts';

const port = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a port number (0 picks a free one), got '${raw}'`);
  return n;
};

interface DemoOpts {
  trucks: number;
  speedup: number;
  data: string;
  port: number;
  duration?: number;
  fresh?: boolean;
  seed: number;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole system on one machine: cloud, hub endpoint and simulated trucks with their gateways')
    .option('--trucks <n>', 'number of simulated trucks', positiveInt('--trucks'), 10)
    .option('--speedup <x>', 'simulated seconds per real second until the simulation, which starts two hours back, reaches the present', positiveInt('--speedup'), 60)
    .option('--data <dir>', 'data folder (reused by the next run unless --fresh)', '.data/demo')
    .option('--port <port>', 'HTTP port of the API and dashboard (0: any free port)', port, 8080)
    .option('--duration <seconds>', 'stop after this many real seconds (default: until Ctrl-C)', positiveInt('--duration'))
    .option('--seed <n>', 'simulation seed', positiveInt('--seed'), 1)
    .option('--fresh', 'replace the data of an earlier run instead of reusing it')
    .action(async (o: DemoOpts) => {
      const say = (line: string): void => void process.stdout.write(`demo: ${line}\n`);
      const log = pino({ name: 'demo', level: 'warn' }, pino.destination(2));
      const { startDemo } = await import('../../firmware-sim/demo.ts');
      const t0 = Date.now();
      const demo = await startDemo({
        trucks: o.trucks,
        speedup: o.speedup,
        dataDir: o.data,
        apiPort: o.port,
        ...(o.duration !== undefined ? { durationS: o.duration } : {}),
        ...(o.fresh ? { fresh: true } : {}),
        seed: o.seed,
        log,
        say,
      });
      say(`running ${o.trucks} trucks at ${o.speedup}x, up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      say(`dashboard: ${demo.apiUrl}/`);
      say(`operator token: ${demo.operatorToken}`);
      say(o.duration ? `stopping after ${o.duration} s (Ctrl-C stops earlier)` : 'Ctrl-C stops');
      const ticker = setInterval(() => {
        const s = demo.fleet.stats();
        const b = demo.cloud.pipeline.bronzeStats;
        const lag = s.realTime ? '  (caught up: real time)' : s.lagMs > 60_000 ? `  (clock ${Math.round(s.lagMs / 60_000)} sim min behind)` : '';
        say(
          `sim ${new Date(s.simNow).toISOString().slice(0, 16)}  sensors ${s.connected}/${s.sensors}  sent ${s.sent} (QoS 0 ${s.qos0}, QoS 1 acked ${s.acked})  ` +
            `bronze batches ${b.stored} (+${b.duplicates} duplicates)  vehicles syncing ${demo.milestones.syncing}/${o.trucks}${lag}`,
        );
      }, 10_000);
      // --duration is real time: once the clock follows the wall clock, simulated time no longer runs at the speedup.
      let timer: NodeJS.Timeout | undefined;
      const elapsed = o.duration ? new Promise<void>((r) => (timer = setTimeout(r, o.duration! * 1000))) : new Promise<void>(() => undefined);
      await Promise.race([untilSignal(), elapsed, demo.fleet.finished()]);
      clearTimeout(timer);
      clearInterval(ticker);
      say('stopping');
      await demo.stop();
      say('stopped');
    });
}
