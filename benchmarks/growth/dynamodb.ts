/**
 * Filling DynamoDB (on this machine: dynalite, an emulator of the API on LevelDB files): BatchWriteItem of the
 * store's own items, built by the lab's functions (labs/dynamodb `logEntryItem`, `commitItem`), so a
 * filled table is one the store wrote: log entries of the global log (`$all`, one per group commit, gap
 * free from the newest entry on), each member already marked `committed` as its writer would have, and
 * each member's commit item (the stream's partition, keyed by its first version). Streams of 10 events,
 * each log entry holding one event of each of `ENTRY_MEMBERS` different streams (appends of many streams
 * sharing group commits, as under load), so a stream's events lie in 10 different entries.
 *
 * The stable point of `$all` (the `$all-stable` item: every entry up to it is decided, so a reader from
 * the end may start there) is moved over the filled entries after each fill, as the readers of a store
 * that had been read all along would have moved it; only when every entry before the fill is decided
 * too (none pending, no gap), which the filler checks first. Otherwise it is left where it was and the
 * first reader from the end walks the fill once (said in the results' note).
 *
 * The raw baselines' tables are not filled: a growth curve of the store only, said in the results.
 *
 * What the store holds is counted from the log: the events of every member not voided, read once per
 * entry (the filled ones are counted as they are written, so a count after a fill reads only the
 * entries the measurements added).
 */
import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { uuidV7 } from '../../labs/core/index.ts';
import {
  advanceStablePoint,
  commitItem,
  decodeLogEntry,
  DEFAULT_TABLE,
  dynamoDbClientConfig,
  ensureTable,
  isConditionalCheckFailed,
  itemSizeBytes,
  LOG_KEY,
  logEntryItem,
  STABLE_ITEM_KEY,
  toStored,
  type StoredEvent,
} from '../../labs/dynamodb/index.ts';
import { FILL_EVENTS_PER_STREAM, fillEventData, throwIfAborted, type DiskUsage, type FillOptions, type GrowthFiller, type GrowthStorage } from './storage.ts';

/** Appends (one event each) per log entry: a group commit of that many streams. */
const ENTRY_MEMBERS = 20;
/** BatchWriteItem takes at most 25 items a request. */
const REQUEST_ITEMS = 25;
/** Requests in flight at once. */
const IN_FLIGHT = 4;
/** Log entries per page when counting (a page holds their events: the harness's memory stays bounded). */
const COUNT_PAGE_ENTRIES = 100;
/** Events per progress report (and the most the harness holds at once, as items). */
const BATCH_EVENTS = 2_000;

type Item = Record<string, AttributeValue>;

/** AWS bills each item's size (attribute names and values) plus 100 bytes of overhead per item. */
const ITEM_OVERHEAD_BYTES = 100;
const billedBytes = (item: Item) => itemSizeBytes(item) + ITEM_OVERHEAD_BYTES;

function endpointOf(env: Record<string, string>): string {
  const endpoint = env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('filling DynamoDB needs DYNAMODB_ENDPOINT from the running backend');
  return endpoint;
}

/** Writes items with BatchWriteItem, a few requests at a time, resending what the server left unprocessed. */
async function writeAll(client: DynamoDBClient, table: string, items: readonly Item[], signal: AbortSignal): Promise<void> {
  const requests: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += REQUEST_ITEMS) requests.push(items.slice(i, i + REQUEST_ITEMS).map((Item) => ({ PutRequest: { Item } })));
  const worker = async () => {
    for (let batch = requests.shift(); batch; batch = requests.shift()) {
      let pending = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        throwIfAborted(signal);
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = out.UnprocessedItems?.[table] ?? [];
        if (pending.length > 0) {
          if (attempt >= 20) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed 20 times in a row`);
          await sleep(Math.min(1000, 20 * 2 ** attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function dynamoStorage(env: Record<string, string>): Promise<GrowthStorage> {
  const client = new DynamoDBClient(dynamoDbClientConfig(endpointOf(env)));
  const table = DEFAULT_TABLE;
  await ensureTable(client, table);
  // Events in the log entries up to `countedThrough` (counted once each).
  let counted = 0;
  let countedThrough = 0;
  // Bytes of the counted entries and their commit items, by AWS's item-size rules (dynalite reports no
  // size: DescribeTable's TableSizeBytes stays 0 there).
  let bytes = 0;
  let items = 0;

  /** The log entries numbered above `after` (up to `through`), page by page, each with its item. */
  async function* logEntries(after: number, through = Number.MAX_SAFE_INTEGER): AsyncGenerator<{ item: Item; entry: ReturnType<typeof decodeLogEntry> }> {
    let start: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          // Fixed for the whole paging: a start key must satisfy the same condition.
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :through',
          ExpressionAttributeValues: { ':pk': { S: LOG_KEY }, ':from': { N: String(after + 1) }, ':through': { N: String(through) } },
          ConsistentRead: true,
          Limit: COUNT_PAGE_ENTRIES,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) yield { item, entry: decodeLogEntry(item) };
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** Counts the events of the entries after `countedThrough` (members not voided), and moves it on. */
  async function countNewEntries(): Promise<void> {
    for await (const { item, entry } of logEntries(countedThrough)) {
      const kept = entry.members.filter((m) => m.state !== 'void');
      counted += kept.reduce((sum, m) => sum + m.events.length, 0);
      countedThrough = Math.max(countedThrough, entry.commit);
      bytes += billedBytes(item);
      items += 1;
      for (const m of kept) {
        // The member's commit item, as its writer built it (erased events, if any, are not re-counted).
        const events = toStored(m.events.filter((e) => e !== undefined));
        bytes += billedBytes(commitItem({ streamId: m.streamId, events, recordedAt: m.recordedAt }, m.slot, entry.commit, m.offset));
        items += 1;
      }
    }
  }

  /** Fills after which the stable point was moved over the filled entries, and those after which it was not. */
  const stableMoves = { moved: 0, leftBehind: 0 };

  async function stablePoint(): Promise<number> {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: STABLE_ITEM_KEY, ConsistentRead: true }));
    return out.Item?.c?.N ? Number(out.Item.c.N) : 0;
  }

  /** Whether every log entry after `from` up to `through` exists and has no member pending (the store's "decided"). */
  async function decided(from: number, through: number): Promise<boolean> {
    let expected = from + 1;
    for await (const { entry } of logEntries(from, through)) {
      if (entry.commit !== expected || entry.members.some((m) => m.state === 'pending')) return false;
      expected++;
    }
    return expected === through + 1;
  }

  /** Moves the stable point to `to` (never back: the store's own update). */
  async function moveStable(to: number): Promise<void> {
    try {
      await client.send(new UpdateItemCommand(advanceStablePoint(table, to)));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error; // a reader moved it further
    }
  }

  return {
    label: 'dynamodb',
    method: `BatchWriteItem (${REQUEST_ITEMS} items a request, ${IN_FLIGHT} in flight) of the store's own items (labs/dynamodb logEntryItem and commitItem): log entries of ${ENTRY_MEMBERS} one-event appends of different streams, marked committed, and each append's commit item; after each fill the $all stable point is moved over the filled entries when every entry before them is decided, as readers of a store read all along would have moved it`,
    batchEvents: BATCH_EVENTS,
    async count() {
      await countNewEntries();
      return counted;
    },
    async fill(total, options: FillOptions) {
      await countNewEntries(); // the fill's first entry follows the newest: the log stays gap free
      const beforeFill = countedThrough;
      // Checked before the fill: may the stable point pass everything before it?
      const stable = await stablePoint();
      const mayMoveStable = stable >= beforeFill || (await decided(stable, beforeFill));
      const writer = `growth-fill-${process.pid}`;
      const run = options.prefix;
      let written = 0;
      let stream = 0;
      while (written < total) {
        throwIfAborted(options.signal);
        // A chunk of streams, their events interleaved: version v of every stream of the chunk, then v+1.
        const remaining = total - written;
        const perStream = Math.min(FILL_EVENTS_PER_STREAM, remaining);
        const streams = Math.max(1, Math.min(Math.floor(BATCH_EVENTS / perStream), Math.floor(remaining / perStream)));
        const batch: Item[] = [];
        let entryMembers: { streamId: string; version: number; event: StoredEvent }[] = [];
        const flushEntry = () => {
          if (entryMembers.length === 0) return;
          const commit = ++countedThrough;
          const recordedAt = new Date().toISOString();
          const members = entryMembers.map((m, offset) => ({ batch: { streamId: m.streamId, events: [m.event], recordedAt }, slot: m.version, offset }));
          const entry = logEntryItem(commit, writer, members);
          members.forEach((_, i) => (entry[`st${i}`] = { S: 'committed' })); // as the writer marks it once every member committed
          const written = [entry, ...members.map((m) => commitItem(m.batch, m.slot, commit, m.offset))];
          for (const item of written) bytes += billedBytes(item);
          items += written.length;
          batch.push(...written);
          entryMembers = [];
        };
        for (let version = 0; version < perStream; version++) {
          for (let s = 0; s < streams; s++) {
            const dataJson = fillEventData(run, -1, version);
            entryMembers.push({ streamId: `${options.prefix}${stream + s}`, version, event: { id: uuidV7(), type: 'BenchmarkEvent', dataJson, metadataJson: '{}' } });
            if (entryMembers.length === ENTRY_MEMBERS) flushEntry();
          }
        }
        flushEntry();
        // Nothing reads while the fill writes, so the requests need no order among themselves.
        await writeAll(client, table, batch, options.signal);
        stream += streams;
        written += streams * perStream;
        counted += streams * perStream;
        options.onProgress(written);
      }
      if (mayMoveStable) {
        await moveStable(countedThrough);
        stableMoves.moved++;
      } else {
        stableMoves.leftBehind++;
      }
    },
    async disk(): Promise<DiskUsage> {
      await countNewEntries();
      return {
        bytes,
        parts: { 'log entries and commit items (AWS item size + 100 B each)': bytes, items },
        note: `computed by DynamoDB's item-size rules (labs/dynamodb item-size.ts) plus AWS's 100 bytes per item, for the log entries and commit items the store holds: what AWS would bill as storage for these items. dynalite reports no table size, and its LevelDB files are not what AWS stores, so this is not a measurement of the emulator's disk${
          stableMoves.leftBehind > 0
            ? `. The $all stable point was left behind after ${stableMoves.leftBehind} fill(s) (an entry before the fill was pending): the first subscriber from the end then walks that fill once`
            : ''
        }`,
      };
    },
    close: async () => client.destroy(),
  };
}

export const dynamodbFiller: GrowthFiller = {
  server: 'dynamodb',
  // dynalite's LevelDB files (a benchmark's dynalite keeps its tables on disk): about AWS's billed size,
  // ~1 KB per event for an entry's share and a commit item, with room for LevelDB's compaction.
  estimatedBytesPerEvent: 1_500,
  store: (env) => dynamoStorage(env),
  raw: () => undefined,
};
