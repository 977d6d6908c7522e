/**
 * What a workload drives: the operations it needs, whatever sits behind them. Four kinds:
 * - `store`: a lab's EventStore, through the contract (what the workbench is about);
 * - `raw`: the same logical writes and reads done the simplest way with the backend's driver
 *   (benchmarks/baselines/<server>.ts): the practical limit of that backend on this machine;
 * - `http`: an EventStore behind the HTTP facade, driven over HTTP;
 * - `synthetic`: the no-op and stall-once stores that measure the harness itself.
 */
import type { EventStore, ExpectedVersion, NewEvent, Subscription, UnsupportedCapabilities } from '../../labs/core/index.ts';
import type { ChildProcesses } from '../../labs/conformance/index.ts';
import { headPosition } from '../../labs/core/index.ts';

export type TargetKind = 'store' | 'raw' | 'http' | 'synthetic';

export interface ReadAllPage {
  count: number;
  /** Opaque cursor to pass back for the next page; undefined when the end was reached. */
  next: string | undefined;
}

export interface BenchTarget {
  /** As shown in results: `postgres`, `postgres (raw pg)`, `noop`, `postgres via HTTP`. */
  readonly label: string;
  /** The backend (BACKENDS name, or `noop`). */
  readonly backend: string;
  readonly kind: TargetKind;
  /** Workloads that require one of these are skipped with the reason. */
  readonly unsupported: UnsupportedCapabilities;
  append(streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<{ nextExpectedVersion: number }>;
  /** Reads the whole stream; returns how many events came back. */
  readStream(streamId: string): Promise<number>;
  readAllPage(cursor: string | undefined, maxCount: number): Promise<ReadAllPage>;
  /** Current end of the global log (subscriptions start after it). */
  head?(): Promise<bigint>;
  subscribeToAll?(afterPosition: bigint | undefined, bufferSize: number): Subscription;
  /** Consumer-group workloads: members in other OS processes, each with a store of its own on this server. */
  processes?: ChildProcesses;
  close(): Promise<void>;
}

/** An EventStore, measured through the contract. */
export function storeTarget(store: EventStore, label = store.backend, kind: TargetKind = 'store', backend = store.backend): BenchTarget {
  return {
    label,
    backend,
    kind,
    unsupported: store.unsupported,
    append: (streamId, events, expectedVersion) => store.appendToStream(streamId, events, { expectedVersion }),
    readStream: async (streamId) => (await store.readStream(streamId)).length,
    async readAllPage(cursor, maxCount) {
      const events = await store.readAll({ fromPosition: cursor === undefined ? 0n : BigInt(cursor), maxCount });
      const last = events.at(-1);
      return { count: events.length, next: events.length < maxCount || !last ? undefined : (last.globalPosition + 1n).toString() };
    },
    head: () => headPosition(store),
    subscribeToAll: (afterPosition, bufferSize) => store.subscribeToAll({ afterPosition, bufferSize, pollIntervalMs: 50 }),
    close: () => store.close(),
  };
}
