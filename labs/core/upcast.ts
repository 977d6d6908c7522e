/**
 * Event versioning by upcasting: stored events are never rewritten; readers convert old shapes to the
 * current one as they load them. Each upcaster lifts one (type, schemaVersion) one step up; chains of
 * them take an event from any old version to the newest.
 */
import type { JsonValue, RecordedEvent } from './types.ts';

export interface Upcaster {
  type: string;
  /** The schema version this upcaster reads (events without `metadata.schemaVersion` are version 1). */
  fromSchemaVersion: number;
  /** Returns the data (and optionally a new type) of version `fromSchemaVersion + 1`. */
  upcast(data: JsonValue, event: RecordedEvent): { type?: string; data: JsonValue };
}

export function schemaVersionOf(event: RecordedEvent): number {
  return event.metadata.schemaVersion ?? 1;
}

/** Builds a function that applies every matching upcaster in turn until none matches. */
export function createUpcaster(upcasters: readonly Upcaster[]): (event: RecordedEvent) => RecordedEvent {
  const byKey = new Map<string, Upcaster>();
  for (const upcaster of upcasters) {
    const key = `${upcaster.type}@${upcaster.fromSchemaVersion}`;
    if (byKey.has(key)) throw new Error(`Two upcasters read ${key}; keep one`);
    byKey.set(key, upcaster);
  }
  return (event) => {
    let current = event;
    for (let steps = 0; steps <= upcasters.length; steps++) {
      const version = schemaVersionOf(current);
      const upcaster = byKey.get(`${current.type}@${version}`);
      if (!upcaster) return current;
      const next = upcaster.upcast(current.data, current);
      current = {
        ...current,
        type: next.type ?? current.type,
        data: next.data,
        metadata: { ...current.metadata, schemaVersion: version + 1 },
      };
    }
    throw new Error(`Upcasters for '${event.type}' form a cycle`);
  };
}
