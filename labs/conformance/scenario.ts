/**
 * What a conformance scenario is, and the context it runs in. Scenario ids are stable: results, docs and
 * the capability matrix refer to them.
 */
import type { Capability, EventStore, JsonValue } from '../core/index.ts';

export const SCENARIO_IDS = [
  'append.new-stream',
  'append.expected-version',
  'append.stream-exists-and-any',
  'append.idempotent',
  'append.concurrent-writers',
  'append.concurrent-writers-across-processes',
  'append.crash-mid-batch',
  'read.stream-forward',
  'read.stream-backward',
  'read.stream-from-version',
  'read.missing-stream',
  'read.all-ordered',
  'read.all-no-skip-under-concurrent-commits',
  'subscribe.catch-up-then-live',
  'subscribe.resume-from-checkpoint',
  'subscribe.backpressure',
  'subscribe.survives-server-restart',
  'metadata.correlation-causation',
  'schema.upcasting',
  'snapshot.load-from-snapshot',
  'projection.read-model',
  'input.invalid',
  'input.lone-surrogate',
  'input.unrepresentable-json',
  'store.closed',
  'consume.group-shares-the-work',
  'consume.member-crash-rebalances',
  'consume.poison-event-parked',
  'consume.scale-out',
  'append.any-under-contention',
  'data.returned-as-written',
  'stream.delete-soft',
  'stream.delete-hard',
  'stream.truncate',
  'erasure.delete-stream',
  'erasure.crypto-shredding',
  'retention.events-kept-forever',
  'replication.acknowledged-survive-failover',
] as const;

export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Scenario id -> why, in one sentence a learner understands. */
export type ScenarioNotes = Partial<Record<ScenarioId, string>>;

export type ScenarioStatus = 'pass' | 'fail' | 'unsupported' | 'skipped';

export interface ScenarioResult {
  id: ScenarioId;
  status: ScenarioStatus;
  detail: string;
  durationMs: number;
}

export interface ConformanceReport {
  backend: string;
  startedAt: string;
  scenarios: ScenarioResult[];
}

export interface ScenarioContext {
  /** The store under test. */
  store: EventStore;
  /** Another instance with its own connections (for real concurrency); closed after the scenario. */
  openStore(): Promise<EventStore>;
  /** A stream id unique to this run of this scenario: `name` plus a run suffix. */
  streamId(name: string): string;
  /** The prefix every stream id of this scenario run starts with (to pick our events out of `$all`). */
  readonly prefix: string;
  /** A global position as people read it (the backend's own notation when it has one). */
  position(position: bigint | undefined): string;
  /** One line for the narrated lab: what was done and what came back. */
  narrate(line: string): void;
  /** Aborted when the scenario runs out of time. */
  signal: AbortSignal;
  /** Stops the server and starts it on the same data (present when the scenario `needs` it). */
  restartServer?(options?: { downMs?: number }): Promise<void>;
  /** Writers in other OS processes with stores of their own (present when the scenario `needs` it). */
  processes?: ChildProcesses;
  /**
   * Faults the primary of a replicated cluster (SIGKILL) and fails over to a replica; resolves once the
   * cluster takes writes again (present when the scenario `needs` it).
   */
  failover?(): Promise<void>;
}

/** What a scenario needs from the binding beyond a store factory. */
export type FixtureNeed = 'server-restart' | 'child-processes' | 'failover';

/** Starts a task of labs/conformance/child-tasks.ts in another OS process, on a store of its own. */
export interface ChildProcesses {
  start(task: string, args: JsonValue): ChildProcess;
}

export interface ChildProcess {
  /** Resolves with the task's result; rejects when the task failed or the process died. */
  readonly result: Promise<JsonValue>;
  /** Progress messages the task reports, as they come. */
  onProgress(listener: (message: JsonValue) => void): void;
  /** Kills the process (SIGKILL: no clean-up, as a crash). */
  kill(): void;
  /** Asks the process to finish cleanly (SIGTERM): the task's signal aborts and it returns its result. */
  stop(): void;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<void>;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** The property the scenario proves, in one sentence (shown in the lab and the docs). */
  property: string;
  requires: Capability[];
  /** Its own time limit, when 60 s is not enough (crash and restart drills). */
  timeoutMs?: number;
  /** What the scenario needs from the binding; without it the scenario is `unsupported`, with the reason. */
  needs?: FixtureNeed[];
  /** Throws (an AssertionError, with a message saying what broke) when the store does not conform. */
  run(ctx: ScenarioContext): Promise<void>;
}

/**
 * Thrown by a scenario that measured that the store lacks a capability it declared unsupported (say,
 * byte-exact data): the runner reports `unsupported` with this message instead of `fail`. Only for
 * scenarios whose other properties must hold either way, so they run and check those first.
 */
export class ScenarioUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioUnsupportedError';
  }
}
