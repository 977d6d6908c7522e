/**
 * npm run bench -- [run] [options]          run workloads on backends, write results JSON + HTML
 * npm run bench -- list                     backends and workloads
 * npm run bench -- report <results.json>    (re)render the HTML report of a results file
 * npm run bench -- compare <a.json> <b.json> compare two results files (HTML + terminal table)
 * npm run bench -- serve --backend <name>   start a backend behind the HTTP facade (for k6)
 * npm run bench -- stall [--hold 1,10,60]    PostgreSQL: what one long transaction costs a live $all subscriber
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { benchBackends, runSession, type SessionMode, type Via } from './session/session.ts';
import { loadWorkloads, withOverrides } from './workloads/workload.ts';
import { renderHtml } from './report/html.ts';
import { RESULTS_DIR, describeEnvironment, readResults, resultsPaths, timestampName, writeResults } from './results-file/io.ts';
import { runStallSuite, writeStallResults } from './stall/stall-session.ts';
import { DEFAULT_SEARCH, DEFAULT_SWEEP } from './session/measure.ts';
import { compareTable } from './terminal/compare.ts';
import { createFillProgress, createProgressDisplay } from './terminal/progress.ts';
import { parseStoredLadder } from './growth/stored-ladder.ts';
import { checkFreeDisk, fillerFor, FILLERS } from './growth/fillers.ts';
import { removeCreated } from './growth/cleanup.ts';
import type { GrowthSettings } from './growth/session-growth.ts';
import { renderMarkdown, renderTable } from './terminal/summary-table.ts';
import { startFacade } from './http/facade.ts';
import { startBackend } from '../labs/runtime/index.ts';

const USAGE = `Usage: npm run bench -- [command] [options]

Commands:
  run (default)              run workloads on backends; writes benchmarks/results/<time>.json + .html
  list                       list backends and workloads
  report <results.json>      render the HTML report of a results file   [--out file.html] [--markdown]
  compare <a.json> <b.json>  compare two results files                   [--out file.html]
  serve --backend <name>     serve a backend's store over HTTP for k6    [--port 8080] [--host 127.0.0.1]
  stall                      PostgreSQL: a write transaction held 1, 10, 60 s while writers go on; what a
                             live $all subscriber waits, what piles up, and what the timeouts buy
                             [--hold 1,10,60] [--rate 100] [--out dir]; writes <time>-stall.json

Run options:
  -b, --backend <names>      backends, comma-separated or repeated (default: all, plus noop)
  -w, --workload <names>     workloads (default: all in benchmarks/workloads)
  -m, --mode <modes>         open | closed | max-rate | sweep | growth, comma-separated (default: open)
      --via <paths>          direct | http, comma-separated (default: direct)
      --rate <n>             override the open-loop rate (operations/s)
      --duration <s>         override the duration, seconds (warm-up included)
      --warmup <s>           override the warm-up, seconds
      --max-in-flight <n>    override the open-loop in-flight bound
      --concurrency <n>      override the closed-loop workers
      --quick                short runs: 4 s with 1 s warm-up
      --no-baseline          skip the raw-driver baselines
      --rates <list>         sweep: offered rates, comma-separated (default ${DEFAULT_SWEEP.rates.join(',')})
      --repeats <n>          sweep and max-rate: repeats of each step / search (default 3)
      --max-send-delay-ms <ms>  a run whose send-delay p99 exceeds this is saturated (default 20)
      --min-samples <n>      sweep, max-rate and growth: operations per step at least (default ${DEFAULT_SWEEP.minSamples}: a p99 needs 10,000)
      --step-seconds <s>     sweep, max-rate and growth: measured seconds per step at least (default ${DEFAULT_SWEEP.stepSeconds})
      --max-step-seconds <s> sweep, max-rate and growth: measured seconds per step at most (default ${DEFAULT_SWEEP.maxStepSeconds})
      --server-warmup <s>    sweep and max-rate: seconds the target runs unjudged first (default ${DEFAULT_SWEEP.serverWarmupSeconds})
      --max-p99-ms <ms>      max-rate search: p99 limit (default ${DEFAULT_SEARCH.maxP99Ms})
      --max-backlog <n>      max-rate search: backlog limit (default ${DEFAULT_SEARCH.maxBacklog})
      --no-retry             max-rate search: believe a failed step at once (default: try it once more)
      --stored <sizes>       growth: stored events at each step, comma-separated (default 0,100000,1000000);
                             before each step the store is filled to that size by its own bulk path
      --catch-up-seconds <s> growth: longest a new subscriber from the start of $all is followed (default 15)
      --interval-ms <ms>     time-series interval (default 1000)
      --note <text>          a note stored with the environment (repeatable)
      --out <dir>            results directory (default benchmarks/results)
      --latest               also copy the results to latest.json, the evidence the advisor cites
                             (off by default: a quick run must not replace it)
`;

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: 'string', short: 'b', multiple: true },
      workload: { type: 'string', short: 'w', multiple: true },
      mode: { type: 'string', short: 'm', multiple: true },
      via: { type: 'string', multiple: true },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'max-in-flight': { type: 'string' },
      concurrency: { type: 'string' },
      quick: { type: 'boolean' },
      'no-baseline': { type: 'boolean' },
      'no-retry': { type: 'boolean' },
      'max-p99-ms': { type: 'string' },
      'max-backlog': { type: 'string' },
      'step-seconds': { type: 'string' },
      'max-step-seconds': { type: 'string' },
      'server-warmup': { type: 'string' },
      'min-samples': { type: 'string' },
      rates: { type: 'string', multiple: true },
      repeats: { type: 'string' },
      'max-send-delay-ms': { type: 'string' },
      'interval-ms': { type: 'string' },
      stored: { type: 'string', multiple: true },
      hold: { type: 'string' },
      'catch-up-seconds': { type: 'string' },
      note: { type: 'string', multiple: true },
      out: { type: 'string' },
      latest: { type: 'boolean' },
      markdown: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command = 'run', ...rest] = positionals;

  if (command === 'list') {
    for (const b of benchBackends()) process.stdout.write(`backend  ${b.name.padEnd(16)} ${b.title}${b.embedded ? '' : ' (external server)'}\n`);
    for (const w of await loadWorkloads()) process.stdout.write(`workload ${w.name.padEnd(16)} ${w.description}\n`);
    return 0;
  }

  if (command === 'report') {
    const [file] = rest;
    if (!file) throw new Error('report needs a results file: npm run bench -- report benchmarks/results/latest.json');
    const results = await readResults(file);
    if (values.markdown) {
      process.stdout.write(`${renderMarkdown(results)}\n`);
      return 0;
    }
    const out = values.out ?? file.replace(/\.json$/, '') + '.html';
    await writeFile(out, await renderHtml(results));
    process.stdout.write(`${renderTable(results, process.stdout.isTTY)}\n\nReport: ${out}\n`);
    return 0;
  }

  if (command === 'compare') {
    const [a, b] = rest;
    if (!a || !b) throw new Error('compare needs two results files: npm run bench -- compare old.json new.json');
    const [ra, rb] = await Promise.all([readResults(a), readResults(b)]);
    const out = values.out ?? resolve(RESULTS_DIR, 'comparison.html');
    await writeFile(out, await renderHtml(ra, { compareWith: rb }));
    process.stdout.write(`${compareTable(ra, rb)}\n\nComparison report: ${out}\n`);
    return 0;
  }

  if (command === 'serve') {
    const [name] = list(values.backend);
    const backend = benchBackends().find((b) => b.name === name);
    if (!backend) throw new Error(`serve needs --backend, one of: ${benchBackends().map((b) => b.name).join(', ')}`);
    const outcome = await startBackend(backend, { log: (line) => process.stderr.write(`${line}\n`) });
    if (outcome.status === 'skipped') throw new Error(`${backend.title} is not available: ${outcome.reason}`);
    const running = outcome.running;
    const store = await running.createStore();
    const facade = await startFacade(store, { port: num(values.port, 'port') ?? 8080, host: values.host ?? '127.0.0.1' });
    process.stdout.write(`${backend.title} (${running.description}) served at ${facade.url}\nk6: BENCH_HTTP_URL=${facade.url} k6 run benchmarks/k6/append.js\nCtrl-C to stop.\n`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await facade.close();
    await store.close();
    await running.stop();
    return 0;
  }

  if (command === 'stall') {
    const holds = list(values.hold ? [values.hold] : ['1,10,60']).map((h) => num(h, 'hold')!);
    const results = await runStallSuite(holds, num(values.rate, 'rate') ?? 100, ['npm', 'run', 'bench', '--', ...argv], (line) => process.stderr.write(`${line}\n`));
    const path = resolve(values.out ?? RESULTS_DIR, `${timestampName(new Date(results.startedAt))}-stall.json`);
    await writeStallResults(path, results);
    process.stdout.write(`Results: ${path}${results.machine.busy ? ` (busy machine: ${results.machine.why})` : ''}\n`);
    return 0;
  }

  if (command !== 'run') throw new Error(`Unknown command '${command}'.\n\n${USAGE}`);

  const all = benchBackends();
  const names = list(values.backend);
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length) throw new Error(`Unknown backend(s) ${unknown.join(', ')}; known: ${all.map((b) => b.name).join(', ')}`);
  const backends = names.length ? names.map((n) => all.find((b) => b.name === n)!) : all;

  const workloadNames = list(values.workload);
  const available = await loadWorkloads();
  const missing = workloadNames.filter((n) => !available.some((w) => w.name === n));
  if (missing.length) throw new Error(`Unknown workload(s) ${missing.join(', ')}; known: ${available.map((w) => w.name).join(', ')}`);
  const overrides = {
    rate: num(values.rate, 'rate'),
    durationSeconds: num(values.duration, 'duration') ?? (values.quick ? 4 : undefined),
    warmupSeconds: values.warmup !== undefined ? Number(values.warmup) : values.quick ? 1 : undefined,
    maxInFlight: num(values['max-in-flight'], 'max-in-flight'),
    concurrency: num(values.concurrency, 'concurrency'),
  };
  const workloads = (workloadNames.length ? available.filter((w) => workloadNames.includes(w.name)) : available).map((w) => withOverrides(w, overrides));

  const modes = list(values.mode);
  for (const m of modes) if (!['open', 'closed', 'max-rate', 'sweep', 'growth'].includes(m)) throw new Error(`--mode must be open, closed, max-rate, sweep or growth, got ${m}`);
  const via = list(values.via);
  for (const v of via) if (!['direct', 'http'].includes(v)) throw new Error(`--via must be direct or http, got ${v}`);
  const repeats = num(values.repeats, 'repeats');
  if (repeats !== undefined && !Number.isInteger(repeats)) throw new Error(`--repeats must be a whole number, got ${values.repeats}`);
  const rates = list(values.rates).map((r) => num(r, 'rates')!);
  const maxSendDelay = num(values['max-send-delay-ms'], 'max-send-delay-ms');
  const step = {
    ...(values['step-seconds'] !== undefined ? { stepSeconds: num(values['step-seconds'], 'step-seconds') } : {}),
    ...(values['max-step-seconds'] !== undefined ? { maxStepSeconds: num(values['max-step-seconds'], 'max-step-seconds') } : {}),
    ...(values['min-samples'] !== undefined ? { minSamples: num(values['min-samples'], 'min-samples') } : {}),
    ...(values['server-warmup'] !== undefined ? { serverWarmupSeconds: num(values['server-warmup'], 'server-warmup') } : {}),
    ...(repeats !== undefined ? { repeats } : {}),
    ...(maxSendDelay !== undefined ? { saturationRule: { minAchievedShare: 0.95, maxSendDelayP99Ms: maxSendDelay } } : {}),
  };
  const search = {
    ...DEFAULT_SEARCH,
    ...step,
    maxP99Ms: num(values['max-p99-ms'], 'max-p99-ms') ?? DEFAULT_SEARCH.maxP99Ms,
    maxBacklog: num(values['max-backlog'], 'max-backlog') ?? DEFAULT_SEARCH.maxBacklog,
    retryFailedSteps: !values['no-retry'],
  };
  const sweep = { ...DEFAULT_SWEEP, ...step, ...(rates.length ? { rates } : {}) };
  const settings = {
    backends: backends.map((b) => b.name),
    workloads: workloads.map((w) => w.name),
    modes: modes.length ? modes : ['open'],
    via: via.length ? via : ['direct'],
    overrides,
    baseline: !values['no-baseline'],
    search,
    sweep,
    intervalMs: num(values['interval-ms'], 'interval-ms') ?? 1000,
  };

  const log = (line: string) => process.stderr.write(`${line}\n`);
  const interrupt = new AbortController();
  let growth: GrowthSettings | undefined;
  if (modes.includes('growth')) {
    growth = await growthSettings(values, backends.map((b) => b.server), available, overrides, { ...DEFAULT_SWEEP, ...step }, { maxStepSeconds: values['max-step-seconds'] !== undefined }, interrupt.signal);
    Object.assign(settings, { growth: { stored: growth.stored, catchUpSeconds: growth.catchUpSeconds, appendRate: growth.appendWorkload.rate, readRate: growth.readWorkload.rate } });
    if (!workloadNames.length) workloads.splice(0, workloads.length, growth.appendWorkload, growth.readWorkload);
    settings.workloads = workloads.map((w) => w.name);
    // Ctrl-C: the fill stops at its next batch; the session stops the servers it started, which removes their data.
    process.once('SIGINT', () => {
      log('\ninterrupted: stopping the fill and the servers, removing their data…');
      interrupt.abort();
      process.once('exit', () => {
        for (const path of removeCreated()) process.stderr.write(`removed ${path}\n`);
      });
    });
  }
  const { results, unavailable } = await runSession({
    backends,
    workloads,
    modes: settings.modes as SessionMode[],
    via: settings.via as Via[],
    baseline: settings.baseline,
    search,
    sweep,
    intervalMs: settings.intervalMs,
    growth,
    command: ['npm', 'run', 'bench', '--', ...argv],
    settings,
    log,
    progress: createProgressDisplay(),
  });
  results.environment.notes.push(...(values.note ?? []));

  const outDir = values.out ?? RESULTS_DIR;
  const paths = resultsPaths(outDir, new Date(results.startedAt));
  await writeResults(paths.json, results);
  await writeFile(paths.html, await renderHtml(results));
  if (values.latest) await copyFile(paths.json, paths.latest);

  process.stdout.write(`\n${renderTable(results, process.stdout.isTTY)}\n\n`);
  process.stdout.write(`${describeEnvironment(results.environment)}\n`);
  for (const u of unavailable) process.stdout.write(pc.yellow(`SKIPPED ${u.backend.name}: ${u.reason.split('\n')[0]}\n`));
  process.stdout.write(`Results: ${paths.json}\nReport:  ${paths.html}\n${values.latest ? `Latest:  ${paths.latest}\n` : ''}`);
  return results.runs.some((r) => r.status === 'failed') ? 1 : 0;
}

/**
 * Growth mode: the ladder, the append and read workloads it measures with (append-single, read-stream,
 * with the command line's load overrides), the step rules of sweeps, and a free-disk check first.
 */
async function growthSettings(
  values: { stored?: string[]; 'catch-up-seconds'?: string },
  servers: string[],
  available: Awaited<ReturnType<typeof loadWorkloads>>,
  overrides: Parameters<typeof withOverrides>[1],
  step: GrowthSettings['step'],
  stepOverridden: { maxStepSeconds: boolean },
  signal: AbortSignal,
): Promise<GrowthSettings> {
  const stored = parseStoredLadder(values.stored);
  const without = [...new Set(servers)].filter((s) => s !== 'noop' && !fillerFor(s));
  if (without.length) throw new Error(`--mode growth has no filler for ${without.join(', ')} (benchmarks/growth/fillers.ts lists ${Object.keys(FILLERS).join(', ')})`);
  const byName = (name: string) => available.find((w) => w.name === name) ?? raise(`growth needs the ${name} workload`);
  const { neededBytes, freeBytes } = await checkFreeDisk(servers, stored.at(-1) ?? 0);
  process.stderr.write(`growth: sizes ${stored.join(', ')}; disk: about ${(neededBytes / 1024 ** 3).toFixed(1)} GiB needed, ${(freeBytes / 1024 ** 3).toFixed(1)} GiB free\n`);
  return {
    stored,
    // 200/s: below every target's capacity here even on the busy machine (docs/benchmarks.md, the sweep), so
    // the curve shows the cost of what is stored, not of a queue. A p99 needs 10,000 samples: 50 s a step.
    appendWorkload: withOverrides(byName('append-single'), { ...overrides, rate: overrides.rate ?? GROWTH_APPEND_RATE }),
    // One stream read again and again: its prepared data is one event nobody reads (measure-step.ts).
    readWorkload: withOverrides({ ...byName('read-stream'), prepare: { streams: 1, eventsPerStream: 1 } }, { ...overrides, rate: overrides.rate ?? GROWTH_READ_RATE }),
    step: { ...step, maxStepSeconds: stepOverridden.maxStepSeconds ? step.maxStepSeconds : Math.max(step.maxStepSeconds, step.minSamples / (overrides.rate ?? GROWTH_APPEND_RATE)) },
    catchUpSeconds: num(values['catch-up-seconds'], 'catch-up-seconds') ?? 15,
    signal,
    fillProgress: createFillProgress(),
  };
}

const GROWTH_APPEND_RATE = 200;
const GROWTH_READ_RATE = 500;

function raise(message: string): never {
  throw new Error(message);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${pc.red('bench:')} ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
