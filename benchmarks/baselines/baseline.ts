/** Shared by the raw-driver baselines (benchmarks/baselines/<server>.ts). */

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
