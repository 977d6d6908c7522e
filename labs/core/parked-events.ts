/**
 * A group's parked events, kept in the store itself: the stream `$parked-<group>` (as EventStoreDB keeps
 * `$persistentsubscription-…::parked`). Parking appends `EventParked` (which event, its error, how many
 * deliveries); a replay that succeeds appends `ParkedEventReplayed`. The parked list is what was parked and
 * not replayed, each entry resolved to the original event. Every member, whatever splits its work, parks
 * this way, so the list reads the same on every backend.
 */
import { parkedStreamId, type ParkedEvent } from './consumer-group.ts';
import type { EventStore } from './event-store.ts';
import type { JsonObject, RecordedEvent } from './types.ts';

export type ParkingStore = Pick<EventStore, 'appendToStream' | 'readStream'>;

export async function parkEvent(store: ParkingStore, group: string, memberId: string, event: RecordedEvent, error: string, attempts: number): Promise<void> {
  const data: JsonObject = {
    streamId: event.streamId,
    eventId: event.id,
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition.toString(),
    eventType: event.type,
    error,
    attempts,
    parkedBy: memberId,
  };
  await store.appendToStream(parkedStreamId(group), [{ type: 'EventParked', data }]);
}

/** The group's parked events not yet replayed, oldest first. */
export async function readParked(store: ParkingStore, group: string): Promise<ParkedEvent[]> {
  const entries = await store.readStream(parkedStreamId(group));
  const replayed = new Set(entries.filter((e) => e.type === 'ParkedEventReplayed').map((e) => (e.data as JsonObject).eventId));
  const parked: ParkedEvent[] = [];
  for (const entry of entries) {
    const d = entry.data as JsonObject;
    if (entry.type !== 'EventParked' || replayed.has(d.eventId!)) continue;
    const [original] = await store.readStream(String(d.streamId), { fromVersion: Number(d.streamVersion), maxCount: 1 });
    if (!original) continue;
    parked.push({ event: original, error: String(d.error), attempts: Number(d.attempts), parkedBy: String(d.parkedBy), parkedAt: entry.recordedAt.toISOString() });
  }
  return parked;
}

/** Hands every parked event to `handler`; those it handles leave the parked list. */
export async function replayParkedEvents(
  store: ParkingStore,
  group: string,
  memberId: string,
  handler: (event: RecordedEvent) => Promise<void>,
): Promise<{ replayed: number; failed: number }> {
  let replayed = 0;
  let failed = 0;
  for (const parked of await readParked(store, group)) {
    try {
      await handler(parked.event);
    } catch {
      failed++;
      continue;
    }
    await store.appendToStream(parkedStreamId(group), [{ type: 'ParkedEventReplayed', data: { eventId: parked.event.id, replayedBy: memberId } }]);
    replayed++;
  }
  return { replayed, failed };
}
