/**
 * What a growth run needs from a technology beyond the contract: filling its storage fast, in its own
 * format, counting what it holds and measuring it on disk. This knows each backend's storage format, so
 * (like benchmarks/baselines) there is one file per technology, listed in ./fillers.ts.
 */

/** Streams of this many events: an aggregate's history, not one stream per event nor one huge stream. */
export const FILL_EVENTS_PER_STREAM = 10;

/** The `pad` of a filled event: the same shape and size as the harness's 256-byte events (operations.ts). */
export const FILL_EVENT_BYTES = 256;

export interface FillOptions {
  /** Stream ids start with this (unique per run and step: nothing else is ever written there). */
  prefix: string;
  /** Called after each batch with the events written so far. */
  onProgress(written: number): void;
  signal: AbortSignal;
}

export interface DiskUsage {
  /** What the per-event figure divides: the table and its indexes, or the log segments. */
  bytes: number | null;
  parts: Record<string, number>;
  note?: string;
}

export interface GrowthStorage {
  /** The target it fills: `postgres` (the store) or `postgres (raw pg)`. */
  readonly label: string;
  /** What the fill writes, for the results file. */
  readonly method: string;
  /** Events per batch (one transaction): the most the harness holds at once while filling. */
  readonly batchEvents: number;
  /** Events stored now. */
  count(): Promise<number>;
  fill(events: number, options: FillOptions): Promise<void>;
  /** After a fill: what an operator's autovacuum would have done over the years (or nothing). */
  settle?(): Promise<void>;
  disk(): Promise<DiskUsage>;
  close(): Promise<void>;
}

export interface GrowthFiller {
  server: string;
  /** Disk a stored event is expected to take (store + raw together), for the free-space check. */
  estimatedBytesPerEvent: number;
  /** The storage of the lab's store, and of the raw baseline with this label (undefined: no fill for it). */
  store(env: Record<string, string>): Promise<GrowthStorage>;
  raw(label: string, env: Record<string, string>): Promise<GrowthStorage> | undefined;
}

export class GrowthInterruptedError extends Error {
  constructor() {
    super('growth run interrupted (Ctrl-C): the servers the run started are stopped and their data removed');
    this.name = 'GrowthInterruptedError';
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new GrowthInterruptedError();
}

/** The JSON body of a filled event, as `runData().makeEvents` makes it (the run tag keeps subscribers' counts apart). */
export function fillEventData(run: string, seq: number, k: number): string {
  return JSON.stringify({ run, seq, k, sentAt: 0, pad: 'x'.repeat(FILL_EVENT_BYTES - 110) });
}
