/**
 * What only EventStoreDB gives out of the box, as lab steps after the conformance scenarios:
 * 1. persistent subscriptions: a consumer group on the server, competing consumers, ack / nack / park;
 * 2. stream metadata: `$maxCount`, `$maxAge`, truncate-before;
 * 3. soft delete versus tombstone;
 * 4. category streams (`$ce-<category>`) kept by the `$by_category` system projection.
 *
 * Every step works on streams named after this run, so the tour can run again on the same server.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  PARK,
  ROUND_ROBIN,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  jsonEvent,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type PersistentSubscriptionToStream,
  type ResolvedEvent,
} from '@eventstore/db-client';

type Narrate = (line: string) => void;

/** Runs the tour on a client (kept open) or a connection string (a client is opened and closed here). */
export async function runEventStoreDbTour(target: EventStoreDBClient | string, narrate: Narrate): Promise<void> {
  const client = typeof target === 'string' ? EventStoreDBClient.connectionString(target) : target;
  const run = randomBytes(3).toString('hex');
  const failures: string[] = [];
  const steps: [string, (client: EventStoreDBClient, run: string, narrate: Narrate) => Promise<void>][] = [
    ['Persistent subscriptions: competing consumers, ack, nack and park', persistentSubscriptions],
    ['Stream metadata: $maxCount, $maxAge, truncate-before', streamMetadata],
    ['Soft delete versus tombstone', deleteAndTombstone],
    ['Category streams from the $by_category system projection', categoryStreams],
  ];
  try {
    for (const [title, step] of steps) {
      narrate(`■ ${title}`);
      try {
        await step(client, run, narrate);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(`${title}: ${message}`);
        narrate(`✘ this step failed: ${message}`);
      }
    }
  } finally {
    if (typeof target === 'string') await client.dispose();
  }
  if (failures.length > 0) throw new Error(`EventStoreDB tour: ${failures.length} step(s) failed:\n${failures.join('\n')}`);
}

async function readAllOf(client: EventStoreDBClient, streamId: string, resolveLinkTos = false): Promise<ResolvedEvent[]> {
  const events: ResolvedEvent[] = [];
  try {
    for await (const e of client.readStream(streamId, { direction: FORWARDS, fromRevision: START, resolveLinkTos })) events.push(e);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return events;
}

const revisions = (events: ResolvedEvent[]) => events.map((e) => String(e.event?.revision ?? e.link?.revision)).join(', ') || 'nothing';

async function persistentSubscriptions(client: EventStoreDBClient, run: string, narrate: Narrate): Promise<void> {
  const stream = `tour${run}-orders`;
  const group = `billing-${run}`;
  const total = 9;
  await client.appendToStream(
    stream,
    Array.from({ length: total }, (_, i) => jsonEvent({ type: 'OrderPlaced', data: { order: i, poison: i === 4 } })),
  );
  // The group lives on the server: it remembers what was acknowledged, retries, and parks.
  await client.createPersistentSubscriptionToStream(
    stream,
    group,
    persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, consumerStrategyName: ROUND_ROBIN, maxRetryCount: 0 }),
  );
  narrate(`created the persistent subscription group '${group}' on '${stream}' (${total} events, round robin): the server, not the consumer, keeps the checkpoint`);
  const handledBy = new Map<string, number[]>();
  const parked: number[] = [];
  let settled = 0;
  let allSettled!: () => void;
  const finished = new Promise<'done'>((resolve) => (allSettled = () => resolve('done')));
  let failure: unknown;
  const consumers: PersistentSubscriptionToStream[] = [];
  const consume = async (name: string) => {
    // bufferSize 1: at most one unacknowledged event in flight per consumer, so the two really compete.
    const subscription = client.subscribeToPersistentSubscriptionToStream(stream, group, { bufferSize: 1 });
    consumers.push(subscription);
    for await (const resolved of subscription) {
      const data = resolved.event?.data as { order: number; poison: boolean };
      if (data.poison) {
        // A message the handler can never process: park it instead of retrying it forever.
        await subscription.nack(PARK, 'poison message: cannot be billed', resolved);
        parked.push(data.order);
      } else {
        await sleep(20); // the work
        await subscription.ack(resolved);
        handledBy.set(name, [...(handledBy.get(name) ?? []), data.order]);
      }
      if (++settled >= total) allSettled();
    }
  };
  for (const name of ['consumer A', 'consumer B']) {
    consume(name).catch((error: unknown) => {
      if (settled < total) failure = error;
      allSettled();
    });
  }
  const outcome = await Promise.race([finished, sleep(15_000).then(() => 'timeout' as const)]);
  await Promise.all(consumers.map((c) => c.unsubscribe().catch(() => {})));
  consumers.forEach((c) => c.destroy());
  if (failure) throw failure;
  if (outcome === 'timeout') throw new Error(`only ${settled} of ${total} events were settled within 15 s`);
  for (const [name, orders] of handledBy) narrate(`${name} acknowledged orders ${orders.join(', ')}`);
  narrate(`order ${parked.join(', ')} was nacked with 'park': it left the live flow for the parked-message stream, where an operator can inspect and replay it`);
  const info = await client.getPersistentSubscriptionToStreamInfo(stream, group);
  narrate(`the server's view of the group: ${info.stats.parkedMessageCount} parked, ${info.stats.totalItems} delivered in total`);
  const parkedStream = `$persistentsubscription-${stream}::${group}-parked`;
  const parkedEvents = await readAllOf(client, parkedStream, true);
  narrate(`'${parkedStream}' holds ${parkedEvents.length} link(s); replayParkedMessagesToStream() would send them to the consumers again`);
  await client.deletePersistentSubscriptionToStream(stream, group);
}

async function streamMetadata(client: EventStoreDBClient, run: string, narrate: Narrate): Promise<void> {
  const counted = `tour${run}-sensor`;
  await client.appendToStream(counted, Array.from({ length: 6 }, (_, i) => jsonEvent({ type: 'Measured', data: { i } })));
  await client.setStreamMetadata(counted, { maxCount: 3 });
  narrate(`'${counted}' has revisions 0..5; with $maxCount 3 a read returns ${revisions(await readAllOf(client, counted))} (older events are invisible at once, removed by the next scavenge)`);

  const truncated = `tour${run}-ledger`;
  await client.appendToStream(truncated, Array.from({ length: 5 }, (_, i) => jsonEvent({ type: 'Posted', data: { i } })));
  await client.setStreamMetadata(truncated, { truncateBefore: 3 });
  narrate(`'${truncated}' with $tb 3 (truncate before revision 3) reads ${revisions(await readAllOf(client, truncated))}: how a stream is "closed" up to a point, e.g. after a snapshot was archived`);

  const aged = `tour${run}-session`;
  await client.appendToStream(aged, jsonEvent({ type: 'Touched', data: {} }));
  await client.setStreamMetadata(aged, { maxAge: 1 });
  narrate(`'${aged}' with $maxAge 1 s reads ${revisions(await readAllOf(client, aged))} now …`);
  await sleep(2_000);
  narrate(`… and ${revisions(await readAllOf(client, aged))} two seconds later: retention by age, enforced on read`);
  const meta = await client.getStreamMetadata(counted);
  narrate(`metadata is itself a stream ('$$${counted}'), revision ${meta.metastreamRevision}: ${JSON.stringify(meta.metadata)}`);
}

async function deleteAndTombstone(client: EventStoreDBClient, run: string, narrate: Narrate): Promise<void> {
  const soft = `tour${run}-cart`;
  await client.appendToStream(soft, [jsonEvent({ type: 'CartOpened', data: {} }), jsonEvent({ type: 'ItemAdded', data: { sku: 'A' } })]);
  await client.deleteStream(soft);
  narrate(`soft-deleted '${soft}' (revisions 0, 1): reading it now finds ${(await readAllOf(client, soft)).length} events`);
  await client.appendToStream(soft, jsonEvent({ type: 'CartOpened', data: { again: true } }));
  narrate(`appending again revives it, numbering continues: it reads revisions ${revisions(await readAllOf(client, soft))} (a soft delete is truncate-before on the metadata stream)`);

  const hard = `tour${run}-account`;
  await client.appendToStream(hard, jsonEvent({ type: 'AccountOpened', data: {} }));
  await client.tombstoneStream(hard);
  try {
    await client.appendToStream(hard, jsonEvent({ type: 'AccountOpened', data: {} }));
    throw new Error('an append to a tombstoned stream was accepted');
  } catch (error) {
    if (!(error instanceof StreamDeletedError)) throw error;
    narrate(`tombstoned '${hard}': appending again fails with StreamDeletedError, for ever: the id cannot be reused (GDPR-style erasure, or a mistake you cannot undo)`);
  }
}

async function categoryStreams(client: EventStoreDBClient, run: string, narrate: Narrate): Promise<void> {
  const category = `tourcat${run}`;
  for (const id of ['1', '2', '3']) {
    await client.appendToStream(`${category}-${id}`, jsonEvent({ type: 'Registered', data: { id } }));
  }
  try {
    const status = await client.getProjectionStatus('$by_category');
    narrate(`the $by_category system projection is ${status.projectionStatus}`);
  } catch (error) {
    narrate(`the projection subsystem did not answer (${error instanceof Error ? error.message : String(error)}): start the server with EVENTSTORE_RUN_PROJECTIONS=All and EVENTSTORE_START_STANDARD_PROJECTIONS=true`);
    return;
  }
  // Projections run asynchronously behind the writes: wait a little for the links to appear.
  let links: ResolvedEvent[] = [];
  for (let attempt = 0; attempt < 25 && links.length < 3; attempt++) {
    links = await readAllOf(client, `$ce-${category}`, true);
    if (links.length < 3) await sleep(200);
  }
  if (links.length < 3) {
    narrate(`'$ce-${category}' has ${links.length} of 3 links after 5 s: is $by_category running? (EVENTSTORE_START_STANDARD_PROJECTIONS=true)`);
    return;
  }
  narrate(`'$ce-${category}' links the events of ${links.map((l) => l.event?.streamId).join(', ')}: one subscription per category, no $all filter needed, built by the server`);
  const [newest] = await collect(client.readStream(`$ce-${category}`, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
  narrate(`its events are links (type '${newest?.event?.type ?? '$>'}'); read with resolveLinkTos to get the originals, and remember the projection lags the write slightly`);
}

async function collect(read: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> {
  const items: ResolvedEvent[] = [];
  for await (const item of read) items.push(item);
  return items;
}
