/**
 * Loading an aggregate: fold its stream's events into state, starting from the latest snapshot when one
 * exists, and take a new snapshot every `snapshotEvery` events so that long streams load quickly.
 */
import type { EventStore, Snapshot } from './event-store.ts';
import type { JsonValue, RecordedEvent } from './types.ts';

export interface AggregateDefinition<State extends JsonValue> {
  initialState(): State;
  evolve(state: State, event: RecordedEvent): State;
  /** Applied to every event before `evolve` (see `createUpcaster`). */
  upcast?(event: RecordedEvent): RecordedEvent;
  /** Bump when the state's shape changes: older snapshots are then ignored and rebuilt. */
  stateSchemaVersion?: number;
}

export interface LoadedAggregate<State> {
  state: State;
  /** Version of the last event folded in, or undefined when the stream does not exist. */
  streamVersion: number | undefined;
  /** Version the snapshot covered, when one was used. */
  snapshotVersion: number | undefined;
  /** Events read from the store to build the state. */
  eventsRead: number;
}

export interface AggregateLoadOptions {
  useSnapshots?: boolean;
  /** Save a new snapshot when at least this many events were folded since the last one. */
  snapshotEvery?: number;
}

export async function loadAggregate<State extends JsonValue>(
  store: EventStore,
  streamId: string,
  definition: AggregateDefinition<State>,
  options: AggregateLoadOptions = {},
): Promise<LoadedAggregate<State>> {
  const schemaVersion = definition.stateSchemaVersion ?? 1;
  let snapshot: Snapshot | undefined;
  if (options.useSnapshots) {
    const found = await store.snapshots.load(streamId);
    if (found && found.schemaVersion === schemaVersion) snapshot = found;
  }
  let state = snapshot ? (snapshot.state as State) : definition.initialState();
  let streamVersion = snapshot?.streamVersion;
  const events = await store.readStream(
    streamId,
    snapshot ? { fromVersion: snapshot.streamVersion + 1 } : {},
  );
  for (const stored of events) {
    const event = definition.upcast ? definition.upcast(stored) : stored;
    state = definition.evolve(state, event);
    streamVersion = stored.streamVersion;
  }
  if (
    options.useSnapshots &&
    options.snapshotEvery !== undefined &&
    streamVersion !== undefined &&
    events.length >= options.snapshotEvery
  ) {
    await store.snapshots.save(streamId, { streamVersion, state, schemaVersion });
  }
  return { state, streamVersion, snapshotVersion: snapshot?.streamVersion, eventsRead: events.length };
}
