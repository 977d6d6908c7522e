/**
 * What one operation of a workload does against a target (append, read a stream, read a page of the
 * global log), and the data the read workloads need before the clock starts.
 */
import { WrongExpectedVersionError, type ExpectedVersion, type NewEvent } from '../../labs/core/index.ts';
import type { BenchTarget } from '../targets/target.ts';
import { pickKind, type Workload } from '../workloads/workload.ts';

/** Stream ids and event bodies of one run: its own ids, and events tagged with the run and their send time. */
export interface RunData {
  streamOf(i: number): string;
  preparedStreamOf(i: number): string;
  makeEvents(count: number, seq: number, sentAt: number): NewEvent[];
}

export function runData(runId: string, workload: Workload): RunData {
  const pad = 'x'.repeat(Math.max(0, workload.eventSizeBytes - 110));
  return {
    streamOf: (i) => `bench-${runId}-${i}`,
    preparedStreamOf: (i) => `bench-${runId}-p${i}`,
    makeEvents: (count, seq, sentAt) => Array.from({ length: count }, (_, k) => ({ type: 'BenchmarkEvent', data: { run: runId, seq, k, sentAt, pad } })),
  };
}

/**
 * The workload's operation: draws its kind and stream from the seeded generator; resolves to the number
 * of events it carried. `onAppended` is told how many events an append got acknowledged (the backlog).
 */
export function workloadOperation(
  target: BenchTarget,
  workload: Workload,
  data: RunData,
  random: () => number,
  now: () => number,
  onAppended: (events: number) => void,
): (index: number) => Promise<number> {
  const knownVersions = new Map<string, number>();
  let readAllCursor: string | undefined;
  return async (index) => {
    const kind = pickKind(workload.mix, random);
    if (kind === 'append') {
      const streamId = data.streamOf(Math.floor(random() * workload.streams));
      let expected: ExpectedVersion = 'any';
      if (workload.expectedVersion === 'tracked') expected = knownVersions.get(streamId) ?? 'no_stream';
      try {
        const result = await target.append(streamId, data.makeEvents(workload.eventsPerAppend, index, now()), expected);
        onAppended(workload.eventsPerAppend);
        if (workload.expectedVersion === 'tracked') knownVersions.set(streamId, Math.max(knownVersions.get(streamId) ?? -1, result.nextExpectedVersion));
      } catch (error) {
        // The loser learns the actual version, as a real command handler would after reloading.
        if (error instanceof WrongExpectedVersionError) {
          if (typeof error.actual === 'number') knownVersions.set(streamId, error.actual);
          else knownVersions.delete(streamId);
        }
        throw error;
      }
      return workload.eventsPerAppend;
    }
    if (kind === 'readStream') {
      return target.readStream(data.preparedStreamOf(Math.floor(random() * workload.prepare!.streams)));
    }
    const page = await target.readAllPage(readAllCursor, workload.readPageSize);
    readAllCursor = page.next; // undefined at the end: the next page starts over from the beginning
    return page.count;
  };
}

/** Writes the prepared streams (not measured), four writers at a time. */
export async function prepareData(target: BenchTarget, workload: Workload, data: RunData): Promise<void> {
  const { streams, eventsPerStream } = workload.prepare!;
  const batch = Math.min(eventsPerStream, 100);
  let nextStream = 0;
  const worker = async () => {
    while (nextStream < streams) {
      const streamId = data.preparedStreamOf(nextStream++);
      for (let written = 0; written < eventsPerStream; written += batch) {
        await target.append(streamId, data.makeEvents(Math.min(batch, eventsPerStream - written), -1, 0), 'any');
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, () => worker()));
}
