/**
 * What a conformance scenario is, and the context it runs in. Scenario ids are stable: results, docs and
 * the capability matrix refer to them.
 */
import type { Capability, EventStore } from '../core/index.ts';

export const SCENARIO_IDS = [
  'append.new-stream',
  'append.expected-version',
  'append.stream-exists-and-any',
  'append.idempotent',
  'append.concurrent-writers',
  'read.stream-forward',
  'read.stream-backward',
  'read.stream-from-version',
  'read.missing-stream',
  'read.all-ordered',
  'read.all-no-skip-under-concurrent-commits',
  'subscribe.catch-up-then-live',
  'subscribe.resume-from-checkpoint',
  'subscribe.backpressure',
  'metadata.correlation-causation',
  'schema.upcasting',
  'snapshot.load-from-snapshot',
  'projection.read-model',
  'input.invalid',
] as const;

export type ScenarioId = (typeof SCENARIO_IDS)[number];

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
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** The property the scenario proves, in one sentence (shown in the lab and the docs). */
  property: string;
  requires: Capability[];
  /** Throws (an AssertionError, with a message saying what broke) when the store does not conform. */
  run(ctx: ScenarioContext): Promise<void>;
}
