/**
 * What a backend is to the workbench, and the one way to get a running one.
 *
 * Each technology folder owns its definition (`labs/<tech>/backend.ts`): how to start or reach its
 * server, how to create a store, and its lesson (caveats, the pitfall twin, the failures that twin must
 * show). `labs/backends.ts` is only the list. `startBackend`/`withBackend` are the one place where
 * availability and the CI=true policy are decided, for every caller: tests, CLI, labs, workshop,
 * benchmarks.
 */
import type { EventStoreFactory } from '../core/index.ts';
import type { ScenarioNotes } from '../conformance/scenario.ts';
import { settings as processSettings, unavailableReason, type WorkbenchSettings } from './settings.ts';

/** What a drill's nemesis does to a cluster's primary (or leader). */
export type ClusterFault = 'kill' | 'pause' | 'partition';

/** One failover as the cluster's failover manager saw it; times are epoch milliseconds. */
export interface FailoverRecord {
  fault: ClusterFault;
  /** How long replication was held back before the fault (see the cluster's lesson). */
  lagMs: number;
  faultAt: number;
  /** The old primary was declared dead. */
  detectedAt: number;
  /** A new primary takes writes. */
  promotedAt: number;
  /** The cluster is whole again (a new replica follows the new primary). */
  rebuiltAt: number;
}

/** A running cluster's failover drill: present only on backends that run more than one node. */
export interface ClusterControl {
  /** The faults this cluster can be given, in this run on this machine. */
  faults: readonly ClusterFault[];
  /** Faults the primary and fails over to a replica; resolves once the cluster is whole again. */
  failover(options: { fault: ClusterFault }): Promise<FailoverRecord>;
}

export interface RunningBackend {
  /** Where it runs, for people: "embedded PostgreSQL on 127.0.0.1:54012". */
  description: string;
  /** Environment variables that point other processes at this same server. */
  env: Record<string, string>;
  createStore: EventStoreFactory;
  /**
   * Stops the server and starts it again on the same data and address, `downMs` after it stopped.
   * Absent when this runtime cannot (an external server, a broker that formats on start).
   */
  restart?(options?: { downMs?: number }): Promise<void>;
  /** Clusters started by this process only (not a child that joined one through `env`). */
  cluster?: ClusterControl;
  stop(): Promise<void>;
}

export type { ScenarioNotes };

export interface BackendDefinition {
  name: string;
  title: string;
  /** The server this backend needs (two backends can share one: the naive PostgreSQL store). */
  server: string;
  /**
   * True when the workbench can start this server itself (embedded), so that failing to start it is a
   * failure under CI=true. False for servers that only run elsewhere (EventStoreDB): then an unreachable
   * server is reported as skipped, loudly, with the reason.
   */
  embedded: boolean;
  /**
   * Starts (or connects to) a real server; throws BackendUnavailableError with the reason.
   * `partitionable`: a cluster whose nodes can be partitioned from each other (each in a network
   * namespace; throws PartitionUnavailableError where the machine cannot). Asked by a drill only, so
   * that every other run keeps the nodes on loopback as measured.
   */
  start(log?: (line: string) => void, options?: { partitionable?: boolean }): Promise<RunningBackend>;
  /** What a pass does not tell: guarantees that are emulated or hold only under a stated condition. */
  caveats?: string[];
  /**
   * Passes that hold only under a condition, said in the cell itself (the capability matrix, the lab
   * line): "pass (emulated, one writing process)".
   */
  qualifiedPasses?: ScenarioNotes;
  /** Optional lab steps beyond the conformance scenarios (what only this backend offers). */
  tour?(running: RunningBackend, narrate: (line: string) => void): Promise<void>;
  /** The pitfall twin of this backend (its name in the list), run after the tour in the lab. */
  pitfall?: string;
  /**
   * Pitfall twins only: the scenarios this store must fail, and why. The tests assert that these fail
   * for real on every run: that is the lesson.
   */
  expectedFailures?: ScenarioNotes;
  /**
   * Pitfall twins only: scenarios the lesson's flaw makes fail now and then (say, a timestamp order that
   * sometimes misses a live event). A failure there is reported, not an error; a failure of any other
   * scenario fails the test like on a real store.
   */
  flakyUnderLoad?: ScenarioNotes;
  /**
   * Pitfall twins: the files (from the repository root) whose `PITFALL(<scenario id>)` comments mark where
   * each lesson's flaw is, for the lab's "look at: file:line".
   */
  pitfallSource?: string | string[];
  /**
   * Scenarios this backend cannot pass for a measured reason the store's capability flags cannot
   * express (say, concurrency that holds within one writing process only): reported `unsupported` with
   * the reason, never run for a pass by luck.
   */
  unsupportedScenarios?: ScenarioNotes;
  /**
   * Backends that run a replicated cluster: how many nodes and what makes an acknowledged append
   * survive a failover (or not: the pitfall twins). Single-node backends leave it out.
   */
  cluster?: {
    nodes: number;
    durability: string;
    /** The faults a drill can give it where the machine allows (a partition needs root and `ip netns`). */
    faults: readonly ClusterFault[];
  };
  /** A store people would use instead of writing one (Emmett): shown as a peer column. */
  peer?: boolean;
}

export type BackendOutcome =
  | { status: 'ran'; running: RunningBackend }
  | { status: 'skipped'; reason: string };

export interface StartOptions {
  log?: (line: string) => void;
  settings?: WorkbenchSettings;
  env?: NodeJS.ProcessEnv;
}

/** Thrown under CI=true when a server the workbench embeds cannot start: a failure, never a skip. */
export class EmbeddedServerFailedError extends Error {
  constructor(definition: BackendDefinition, reason: string) {
    super(`${definition.title} could not start and CI=true: a server the workbench embeds must start (${reason})`);
    this.name = 'EmbeddedServerFailedError';
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts (or reaches) the backend's server. Unavailable: `skipped` with the reason, except under CI=true
 * for a server the workbench embeds, which throws EmbeddedServerFailedError.
 */
export async function startBackend(definition: BackendDefinition, options: StartOptions = {}): Promise<BackendOutcome> {
  const ci = (options.settings ?? processSettings).ci;
  const known = unavailableReason(definition.server, options.env);
  const skip = (reason: string): BackendOutcome => {
    if (ci && definition.embedded) throw new EmbeddedServerFailedError(definition, reason);
    return { status: 'skipped', reason };
  };
  if (known) return skip(known);
  try {
    return { status: 'ran', running: await definition.start(options.log) };
  } catch (error) {
    return skip(message(error));
  }
}

/** Runs `work` against a running backend and stops it afterwards, whatever happens. */
export async function withBackend<T>(
  definition: BackendDefinition,
  work: (running: RunningBackend) => Promise<T>,
  options: StartOptions = {},
): Promise<{ status: 'ran'; value: T } | { status: 'skipped'; reason: string }> {
  const outcome = await startBackend(definition, options);
  if (outcome.status === 'skipped') return outcome;
  try {
    return { status: 'ran', value: await work(outcome.running) };
  } finally {
    await outcome.running.stop();
  }
}

/** The one way a test says it was skipped for want of a server: the reason says why, once. */
export function skipMessage(title: string, reason: string | undefined): string {
  return `SKIPPED (${title}): ${(reason ?? 'not started').split('\n')[0]}`;
}
