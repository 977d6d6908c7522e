// `npm run bench:advisor`: load on the advisor's API with autocannon, the load generator on the same
// machine as the server (as issue 13 measured it). The server runs in a process of its own, as
// `npm start` runs it; autocannon runs here. While 32 connections POST recommendations, one more
// connection polls /healthz, to show whether scoring starves the event loop.
//
// Scenarios (each `--duration` seconds, default 10):
//   random  a different random answer set on every request (seeded), lean responses: the target
//   pairs   an answer set whose leader no single change moves, so sensitivity searches answer pairs
//   full    random answer sets with ?detail=full (the page's request), for comparison
// Targets (issue 13): >= 500 req/s and p99 < 100 ms for recommendations, /healthz p99 < 20 ms.
// Other agents share this machine: the load average before and after each scenario is printed with it.
//
// Usage: npm run bench:advisor -- [--duration 10] [--connections 32] [--scenarios random,pairs,full] [--json out.json]
//        [--url http://127.0.0.1:3000 --pid <server pid>]   (an advisor already running, e.g. under --cpu-prof)
//        [--nice=-10]   (server and load generator at a higher priority than the machine's other work)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { QUESTIONS } from '../knowledge/questions.ts';
import { DONT_KNOW } from '../knowledge/types.ts';
import { score, type Answers } from '../scoring/score.ts';
import { sensitivity } from '../scoring/sensitivity.ts';

const TARGET = { rps: 500, p99Ms: 100, healthP99Ms: 20 };

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    scenarios: { type: 'string', default: 'random,pairs,full' },
    json: { type: 'string' },
    seed: { type: 'string', default: '13' },
    /** An advisor already running (e.g. under a profiler); default: start one. */
    url: { type: 'string' },
    pid: { type: 'string' },
    /**
     * Run the server and the load generator at this nice value (e.g. -10, needs root): on a machine
     * shared with other work, it measures the advisor instead of the scheduler. Say so with the figures.
     */
    nice: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!Number.isFinite(duration) || duration <= 0 || !Number.isInteger(connections) || connections <= 0) {
  console.error('--duration must be a positive number of seconds and --connections a positive integer');
  process.exit(2);
}

/** mulberry32: a small seeded generator, so a run can be repeated with the same answer sets. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(values.seed));
function randomAnswers(next: () => number = random): Answers {
  const answers: Record<string, string> = {};
  for (const q of QUESTIONS) {
    const ids = [...q.options.map((o) => o.id), DONT_KNOW];
    const id = ids[Math.floor(next() * ids.length)] ?? DONT_KNOW;
    if (id !== DONT_KNOW) answers[q.id] = id;
  }
  return answers;
}

/** The answer set (among a few thousand random ones) that makes sensitivity try the most pairs: the same one every run. */
function worstCaseAnswers(): Answers {
  const own = rng(Number(values.seed) + 1);
  let worst: Answers = {};
  let trials = -1;
  for (let i = 0; i < 3000; i++) {
    const answers = randomAnswers(own);
    const s = sensitivity({ answers }, score({ answers }));
    if (s.answerTrials > trials) {
      trials = s.answerTrials;
      worst = answers;
    }
  }
  return worst;
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../server.ts', import.meta.url))], {
    env: { ...process.env, PORT: '0', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the advisor did not start within 30 s')), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const m = /http:\/\/localhost:(\d+)/.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`the advisor exited with ${code}`)));
  });
  return { url, child };
}

/**
 * CPU time (ms) the server process has used, from /proc (user + system). Divided by the requests served
 * it is the cost of one request, a figure the other agents' load on this machine barely moves.
 */
async function serverCpuMs(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

interface Figures {
  scenario: string;
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  meanBytes: number;
  health: { requestsPerSecond: number; p50Ms: number; p99Ms: number; maxMs: number; non2xx: number };
  /** Server CPU per request (ms), recommendations and health checks together. */
  serverCpuMsPerRequest: number | null;
  loadBefore: number[];
  loadAfter: number[];
}

const round = (n: number) => Math.round(n * 10) / 10;

async function runScenario(url: string, pid: number | undefined, name: string, body: () => string, path: string): Promise<Figures> {
  const loadBefore = loadavg().map(round);
  const cpuBefore = await serverCpuMs(pid);
  const main = autocannon({
    url,
    connections,
    duration,
    requests: [{ method: 'POST', path, headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const health = autocannon({ url: `${url}/healthz`, connections: 1, duration });
  const [m, h] = await Promise.all([main, health]);
  const cpuAfter = await serverCpuMs(pid);
  const served = m.requests.average * duration + h.requests.average * duration;
  return {
    scenario: name,
    connections,
    durationSeconds: duration,
    requestsPerSecond: round(m.requests.average),
    p50Ms: m.latency.p50,
    p99Ms: m.latency.p99,
    maxMs: m.latency.max,
    non2xx: m.non2xx,
    errors: m.errors,
    timeouts: m.timeouts,
    meanBytes: Math.round(m.throughput.average / Math.max(m.requests.average, 1)),
    health: { requestsPerSecond: round(h.requests.average), p50Ms: h.latency.p50, p99Ms: h.latency.p99, maxMs: h.latency.max, non2xx: h.non2xx },
    serverCpuMsPerRequest: cpuBefore !== null && cpuAfter !== null && served > 0 ? Math.round(((cpuAfter - cpuBefore) / served) * 1000) / 1000 : null,
    loadBefore,
    loadAfter: loadavg().map(round),
  };
}

const { url, child } = values.url ? { url: values.url, child: null } : await startServer();
const serverPid = values.pid ? Number(values.pid) : child?.pid;
const nice = values.nice === undefined ? null : Number(values.nice);
if (nice !== null) {
  setPriority(nice); // this process: autocannon
  if (serverPid !== undefined) setPriority(serverPid, nice);
}
const results: Figures[] = [];
try {
  // Warm up with the same kinds of request (JIT of every path, heap growth, the first evidence load):
  // measured, the first scenario after a short warm-up on one body cost twice the CPU of the next ones.
  await autocannon({
    url,
    connections: 8,
    duration: 6,
    requests: [{ method: 'POST', path: '/api/v1/recommendations', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ answers: randomAnswers() }) }) }],
  });
  await autocannon({ url: `${url}/api/v1/recommendations?detail=full`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"answers":{"platform":"go","cloud":"aws","concurrency":"required","ordering":"global"}}', connections: 4, duration: 2 });
  const worst = JSON.stringify({ answers: worstCaseAnswers() });
  const scenarios: Record<string, [() => string, string]> = {
    random: [() => JSON.stringify({ answers: randomAnswers() }), '/api/v1/recommendations'],
    pairs: [() => worst, '/api/v1/recommendations'],
    full: [() => JSON.stringify({ answers: randomAnswers() }), '/api/v1/recommendations?detail=full'],
  };
  for (const name of values.scenarios.split(',')) {
    const s = scenarios[name];
    if (!s) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    const f = await runScenario(url, serverPid, name, s[0], s[1]);
    results.push(f);
    const verdict = name === 'full' ? '(no target: the page\'s request)' : f.requestsPerSecond >= TARGET.rps && f.p99Ms < TARGET.p99Ms && f.health.p99Ms < TARGET.healthP99Ms && f.non2xx === 0 && f.errors === 0 ? 'meets the targets' : 'MISSES a target';
    console.log(
      `${name.padEnd(6)} ${connections} conn ${duration}s: ${f.requestsPerSecond} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms, ${f.meanBytes} B/response, non-2xx ${f.non2xx}, errors ${f.errors} | /healthz p50 ${f.health.p50Ms} ms, p99 ${f.health.p99Ms} ms | server CPU ${f.serverCpuMsPerRequest ?? '?'} ms/request | load ${f.loadBefore.join(' ')} -> ${f.loadAfter.join(' ')} on ${cpus().length} cores${nice !== null ? `, nice ${nice}` : ''} | ${verdict}`,
    );
  }
} finally {
  child?.kill('SIGTERM');
}
if (values.json) {
  await writeFile(values.json, `${JSON.stringify({ measuredAt: new Date().toISOString(), cores: cpus().length, node: process.version, nice, targets: TARGET, results }, null, 1)}\n`);
  console.log(`wrote ${values.json}`);
}
