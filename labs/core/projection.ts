/**
 * A projection runner: feeds every event of the log to a handler, in global order, and stores the
 * checkpoint after each handled event, so a restart resumes exactly after the last handled event.
 *
 * Delivery is at-least-once across crashes (a crash between handling and checkpointing replays that one
 * event), so handlers must be idempotent, or store their read model and the checkpoint in one transaction.
 */
import type { CheckpointStore, EventStore } from './event-store.ts';
import type { RecordedEvent } from './types.ts';

export interface Projection {
  /** Names the checkpoint: one per projection. */
  name: string;
  handle(event: RecordedEvent): Promise<void> | void;
}

export interface RunProjectionOptions {
  checkpoints?: CheckpointStore;
  /** Stop once this position has been handled (used by tests and rebuilds). */
  untilPosition?: bigint;
  /** Stop once caught up with the log. */
  stopWhenCaughtUp?: boolean;
  signal?: AbortSignal;
  bufferSize?: number;
}

export interface ProjectionRunResult {
  handled: number;
  lastPosition: bigint | undefined;
}

export async function runProjection(
  store: EventStore,
  projection: Projection,
  options: RunProjectionOptions = {},
): Promise<ProjectionRunResult> {
  const checkpoints = options.checkpoints ?? store.checkpoints;
  const afterPosition = await checkpoints.load(projection.name);
  const subscription = store.subscribeToAll({ afterPosition, bufferSize: options.bufferSize });
  const onAbort = () => void subscription.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let handled = 0;
  let lastPosition = afterPosition;
  if (options.stopWhenCaughtUp) {
    // Stop once the reader has caught up and the consumer has taken everything it buffered.
    void subscription.caughtUp.then(async () => {
      while (subscription.stats.buffered > 0) await new Promise((r) => setTimeout(r, 5));
      await subscription.close();
    });
  }
  try {
    for await (const event of subscription) {
      await projection.handle(event);
      await checkpoints.store(projection.name, event.globalPosition);
      handled++;
      lastPosition = event.globalPosition;
      if (options.untilPosition !== undefined && event.globalPosition >= options.untilPosition) break;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await subscription.close();
  }
  return { handled, lastPosition };
}
