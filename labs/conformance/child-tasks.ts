/**
 * Tasks the cross-process scenarios run in other OS processes, each on a store of its own. They depend on
 * the contract only: the binding (labs/bindings/child.ts) opens the store and runs them.
 */
import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError, type EventStore, type JsonValue } from '../core/index.ts';

export type ChildTask = (store: EventStore, args: JsonValue, progress: (message: JsonValue) => void) => Promise<JsonValue>;

interface RaceArgs {
  streamId: string;
  attempts: number;
  writer: number;
}

interface BatchArgs {
  streamPrefix: string;
  batchSize: number;
  batches: number;
}

export const childTasks: Record<string, ChildTask> = {
  /**
   * Read the stream's version, append one event expecting it; repeat. Every attempt either wins (its event
   * takes the next version) or is refused with WrongExpectedVersionError — nothing else.
   */
  async 'race-appends'(store, args) {
    const { streamId, attempts, writer } = args as unknown as RaceArgs;
    let won = 0;
    let refused = 0;
    // Each win with the version the store answered: a store that acknowledges one version and stores the
    // event at another has lost an update, even when the stream ends up without gaps.
    const wins: { id: string; answered: number }[] = [];
    const otherErrors: string[] = [];
    for (let attempt = 0; attempt < attempts; attempt++) {
      // The newest event: one backward read, or (a store that cannot read backwards) the whole stream.
      const last = store.unsupported['read-backward']
        ? (await store.readStream(streamId)).at(-1)
        : (await store.readStream(streamId, { direction: 'backward', maxCount: 1 }))[0];
      const id = randomUUID();
      try {
        const result = await store.appendToStream(streamId, [{ id, type: 'Raced', data: { writer, attempt } }], {
          expectedVersion: last ? last.streamVersion : 'no_stream',
        });
        won++;
        wins.push({ id, answered: result.nextExpectedVersion });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) refused++;
        else otherErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
    return { won, refused, wins, otherErrors };
  },

  /**
   * Append batches to new streams, saying which batch is about to be sent, until killed: the parent kills
   * the process at a random moment, some batch mid-flight.
   */
  async 'append-batches'(store, args, progress) {
    const { streamPrefix, batchSize, batches } = args as unknown as BatchArgs;
    for (let n = 0; n < batches; n++) {
      const events = Array.from({ length: batchSize }, (_, i) => ({ type: 'Batched', data: { batch: n, index: i, pad: 'x'.repeat(200) } }));
      progress({ sending: n });
      await store.appendToStream(`${streamPrefix}${n}`, events, { expectedVersion: 'no_stream' });
    }
    return { completed: batches };
  },
};
