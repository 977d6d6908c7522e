/** What a raw-driver baseline is, and what they share (benchmarks/baselines/<server>.ts). */
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';

export interface Baseline {
  server: string;
  label: string;
  /** What the baseline does, for the results file and the docs. */
  description: string;
  /** Connects to the running server described by the backend's `env`. */
  create(env: Record<string, string>): Promise<BenchTarget>;
  /** The server's own version string, for the environment section of the results. */
  serverVersion?(env: Record<string, string>): Promise<string>;
  /** Settings of the server and of the clients that change results (fsync, synchronous_commit, acks, transactions). */
  serverSettings?(env: Record<string, string>): Promise<Record<string, string>>;
  /**
   * True when the baseline gives the store's write guarantee (a transaction, a conditional write): the
   * store's ratio to it is the price of the lab's code; to the plain one, of the code and the guarantee.
   */
  sameGuarantee?: boolean;
  /** Why this baseline does not run a workload (undefined: it runs it). */
  scope?(workload: Workload): string | undefined;
}

/** For baselines that measure the price of a write guarantee: appends only. */
export function appendWorkloadsOnly(workload: Workload): string | undefined {
  const reads = workload.mix.readStream > 0 || workload.mix.readAll > 0;
  return reads ? 'this baseline measures appends only' : undefined;
}


/** What no raw baseline does: they write without checks and have no subscriptions. */
export const RAW_BASELINE_UNSUPPORTED = {
  subscriptions: 'the raw baseline has no subscriptions',
  'optimistic-concurrency': 'the raw baseline checks no expected version',
} as const;

/** Stream versions counted in the process, as a raw writer that checks nothing would: no read, no condition. */
export class LocalVersions {
  private readonly last = new Map<string, number>();
  /** The version of the first of `count` events appended to `streamId` now. */
  claim(streamId: string, count: number): number {
    const first = (this.last.get(streamId) ?? -1) + 1;
    this.last.set(streamId, first + count - 1);
    return first;
  }
}
