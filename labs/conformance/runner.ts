/**
 * Runs the scenarios against one backend and reports each as pass, fail, unsupported (declared by the
 * backend, with its reason) or skipped (the backend could not be reached, with the reason).
 */
import { AssertionError } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { EventStore, EventStoreFactory } from '../core/index.ts';
import { ScenarioUnsupportedError, type ChildProcesses, type ConformanceReport, type Scenario, type ScenarioId, type ScenarioResult } from './scenario.ts';
import { scenarios as allScenarios } from './scenarios.ts';

export interface RunOptions {
  /** Only these scenarios (default: all). */
  only?: readonly ScenarioId[];
  /** Receives narration lines and scenario boundaries (the narrated lab prints them). */
  observer?: ScenarioObserver;
  /** Per-scenario time limit. */
  timeoutMs?: number;
  /** What the binding can do beyond creating stores: restart the server, run writers in other processes. */
  extras?: FixtureExtras;
}

/** Given by the binding that started the server; a scenario that needs one that is absent is `unsupported`. */
export interface FixtureExtras {
  restartServer?(options?: { downMs?: number }): Promise<void>;
  /** Absent: the reason the server cannot be restarted here. */
  cannotRestartBecause?: string;
  processes?: ChildProcesses;
  /** A failover of a replicated cluster (absent on a single node). */
  failover?(): Promise<void>;
  /** Absent failover: why (one node, no replica). */
  cannotFailOverBecause?: string;
  /** Scenarios the backend declared it cannot pass, with the measured reason. */
  unsupportedScenarios?: Partial<Record<ScenarioId, string>>;
}

export interface ScenarioObserver {
  scenarioStarted?(scenario: Scenario): void;
  narrate?(scenario: Scenario, line: string): void;
  scenarioFinished?(scenario: Scenario, result: ScenarioResult): void;
}

export function selectScenarios(only?: readonly ScenarioId[]): Scenario[] {
  return only ? allScenarios.filter((s) => only.includes(s.id)) : allScenarios;
}

export async function runScenario(
  backend: string,
  factory: EventStoreFactory,
  scenario: Scenario,
  options: Pick<RunOptions, 'observer' | 'timeoutMs' | 'extras'> = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const finish = (status: ScenarioResult['status'], detail: string): ScenarioResult => {
    const result = { id: scenario.id, status, detail, durationMs: Math.round(performance.now() - started) };
    options.observer?.scenarioFinished?.(scenario, result);
    return result;
  };
  options.observer?.scenarioStarted?.(scenario);
  const opened: EventStore[] = [];
  const timeout = new AbortController();
  try {
    const store = await factory();
    opened.push(store);
    const missing = scenario.requires.filter((c) => store.unsupported[c] !== undefined);
    if (missing.length > 0) {
      return finish('unsupported', missing.map((c) => `${c}: ${store.unsupported[c]}`).join('; '));
    }
    const extras = options.extras ?? {};
    const declared = extras.unsupportedScenarios?.[scenario.id];
    if (declared) return finish('unsupported', declared);
    if (scenario.needs?.includes('server-restart') && !extras.restartServer) {
      return finish('unsupported', `server-restart: ${extras.cannotRestartBecause ?? 'this run cannot restart the server'}`);
    }
    if (scenario.needs?.includes('failover') && !extras.failover) {
      return finish('unsupported', `failover: ${extras.cannotFailOverBecause ?? 'this run has no replica to fail over to'}`);
    }
    if (scenario.needs?.includes('child-processes') && !extras.processes) {
      return finish('unsupported', 'child-processes: this run cannot start writers in other processes');
    }
    const runId = randomBytes(4).toString('hex');
    const prefix = `${scenario.id.replace(/\./g, '-')}-${runId}-`;
    const lines: string[] = [];
    const run = scenario.run({
      store,
      prefix,
      signal: timeout.signal,
      restartServer: extras.restartServer,
      processes: extras.processes,
      failover: extras.failover,
      streamId: (name) => `${prefix}${name}`,
      position: (p) => (p === undefined ? 'none' : (store.describePosition?.(p) ?? p.toString())),
      openStore: async () => {
        const extra = await factory();
        opened.push(extra);
        return extra;
      },
      narrate: (line) => {
        lines.push(line);
        options.observer?.narrate?.(scenario, line);
      },
    });
    const limit = options.timeoutMs ?? scenario.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      run,
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          timeout.abort();
          reject(new Error(`scenario did not finish within ${limit} ms`));
        }, limit);
      }),
    ]).finally(() => clearTimeout(timer));
    return finish('pass', lines.join(' | ') || scenario.property);
  } catch (error) {
    if (error instanceof ScenarioUnsupportedError) return finish('unsupported', error.message);
    return finish('fail', describeFailure(error));
  } finally {
    await Promise.allSettled(opened.map((s) => s.close()));
  }
}

/** The assertion's message, plus what was expected and what came back when the message omits them. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof AssertionError && error.operator !== 'fail' && !error.generatedMessage && !error.message.includes('\n')) {
    const show = (value: unknown) => inspect(value, { depth: 3, breakLength: Infinity, maxStringLength: 120 });
    return `${error.message} (expected ${show(error.expected)}, got ${show(error.actual)})`;
  }
  return error.message;
}

export async function runConformance(
  backend: string,
  factory: EventStoreFactory,
  options: RunOptions = {},
): Promise<ConformanceReport> {
  const startedAt = new Date().toISOString();
  const results: ScenarioResult[] = [];
  for (const scenario of selectScenarios(options.only)) {
    results.push(await runScenario(backend, factory, scenario, options));
  }
  return { backend, startedAt, scenarios: results };
}

/** The report for a backend that could not be reached: every scenario skipped, with the reason. */
export function skippedReport(backend: string, reason: string, only?: readonly ScenarioId[]): ConformanceReport {
  return {
    backend,
    startedAt: new Date().toISOString(),
    scenarios: selectScenarios(only).map((s) => ({ id: s.id, status: 'skipped', detail: reason, durationMs: 0 })),
  };
}
