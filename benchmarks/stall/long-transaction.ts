/**
 * The price of the PostgreSQL store's no-skip reader, measured: its readers return only rows whose
 * transaction is older than every transaction still running (labs/postgres/schema.sql, `transaction_id
 * < pg_snapshot_xmin(pg_current_snapshot())`), so one long write transaction ANYWHERE in the database
 * holds every $all subscriber back until it ends. Here: writers append at a steady rate, a live $all
 * subscriber counts what it gets, and another session opens a write transaction (it takes a
 * transaction id by writing one row to a table of its own) and holds it for `holdSeconds`, either idle
 * or busy (a long statement). Measured: how long the subscriber got nothing, how many acknowledged
 * events piled up, how long it took to catch up after the transaction ended, and that every event
 * acknowledged was delivered exactly once, in order. Then the same with the server's guards:
 * `idle_in_transaction_session_timeout` (ends an idle transaction) and `transaction_timeout` (PostgreSQL
 * 17+: ends any transaction, busy or not), which bound the stall at the price of the held transaction.
 */
import pg from 'pg';
import type { EventStore, RecordedEvent } from '../../labs/core/index.ts';
import { headPosition } from '../../labs/core/index.ts';
import { round } from '../harness/histograms.ts';

export interface StallCase {
  /** How the transaction was held: idle in transaction, or busy in one long statement. */
  holder: 'idle' | 'busy';
  holdSeconds: number;
  /** The server-side guard set on the holder's session, if any (`idle_in_transaction_session_timeout=5s`). */
  guard: string | null;
  /** How the transaction ended: committed after the hold, or terminated by the guard. */
  ended: 'committed' | 'terminated by the guard';
  /** Seconds from BEGIN to the end of the transaction. */
  transactionSeconds: number;
  /** Longest time the subscriber received nothing while appends were being acknowledged, seconds. */
  heldBackSeconds: number;
  /** Most events acknowledged to writers and not yet delivered, at any time. */
  maxPileUp: number;
  /** From the end of the transaction until the subscriber had every acknowledged event, seconds. */
  catchUpSeconds: number;
  appended: number;
  delivered: number;
  /** Acknowledged but never delivered, delivered twice, delivered out of position order. */
  skipped: number;
  duplicates: number;
  outOfOrder: number;
}

export interface StallOptions {
  holdSeconds: number;
  holder: 'idle' | 'busy';
  guard?: { setting: 'idle_in_transaction_session_timeout' | 'transaction_timeout'; seconds: number };
  /** Appends per second while it runs. */
  rate: number;
  connectionString: string;
  runId: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function measureStall(store: EventStore, options: StallOptions): Promise<StallCase> {
  const run = `${options.runId}-${options.holder}-${options.holdSeconds}-${options.guard?.setting ?? 'none'}`;
  const head = await headPosition(store);
  const subscription = store.subscribeToAll({ afterPosition: head === 0n ? undefined : head, bufferSize: 10_000, pollIntervalMs: 50 });
  const seen = new Map<number, number>();
  let lastPosition = -1n;
  let outOfOrder = 0;
  let lastDelivery = performance.now();
  let longestGap = 0;
  let acked = 0;
  let appendsDuringHold = false;
  const reader = (async () => {
    for await (const event of subscription as AsyncIterable<RecordedEvent>) {
      const data = event.data as { stall?: string; seq?: number } | null;
      if (data?.stall !== run || typeof data.seq !== 'number') continue;
      if (event.globalPosition <= lastPosition) outOfOrder++;
      lastPosition = event.globalPosition;
      seen.set(data.seq, (seen.get(data.seq) ?? 0) + 1);
      const now = performance.now();
      if (appendsDuringHold) longestGap = Math.max(longestGap, now - lastDelivery);
      lastDelivery = now;
    }
  })();
  await subscription.caughtUp;

  let seq = 0;
  let writing = true;
  let maxPileUp = 0;
  const pending: Promise<unknown>[] = [];
  const writer = (async () => {
    const start = performance.now();
    while (writing) {
      const due = start + (seq * 1000) / options.rate;
      if (due > performance.now()) await sleep(due - performance.now());
      const n = seq++;
      pending.push(store.appendToStream(`stall-${run}-${n % 50}`, [{ type: 'StallProbe', data: { stall: run, seq: n } }]).then(() => acked++));
      maxPileUp = Math.max(maxPileUp, acked - seen.size);
    }
  })();

  await sleep(1000); // steady state before the transaction
  const holder = new pg.Client({ connectionString: options.connectionString });
  await holder.connect();
  holder.on('error', () => {});
  await holder.query('CREATE SCHEMA IF NOT EXISTS bench_stall; CREATE TABLE IF NOT EXISTS bench_stall.scratch (at timestamptz)');
  if (options.guard) await holder.query(`SET ${options.guard.setting} = '${options.guard.seconds}s'`);
  lastDelivery = performance.now();
  appendsDuringHold = true;
  const began = performance.now();
  let ended: StallCase['ended'] = 'committed';
  try {
    await holder.query('BEGIN');
    // The row takes a transaction id: from here every reader's snapshot xmin is this transaction's.
    await holder.query('INSERT INTO bench_stall.scratch VALUES (now())');
    if (options.holder === 'busy') await holder.query(`SELECT pg_sleep(${options.holdSeconds})`);
    else await sleep(options.holdSeconds * 1000);
    await holder.query('COMMIT');
  } catch {
    ended = 'terminated by the guard';
  }
  const transactionEnd = performance.now();
  await holder.end().catch(() => {});

  // Catch-up: until every acknowledged event so far is delivered (writers keep going meanwhile).
  let caughtUpAt = transactionEnd;
  for (const deadline = transactionEnd + 120_000; performance.now() < deadline; await sleep(5)) {
    maxPileUp = Math.max(maxPileUp, acked - seen.size);
    if (seen.size >= acked) {
      caughtUpAt = performance.now();
      break;
    }
  }
  appendsDuringHold = false;
  writing = false;
  await writer;
  await Promise.all(pending);
  for (const deadline = performance.now() + 30_000; seen.size < acked && performance.now() < deadline; ) await sleep(10);
  await subscription.close();
  await reader.catch(() => {});
  return {
    holder: options.holder,
    holdSeconds: options.holdSeconds,
    guard: options.guard ? `${options.guard.setting}=${options.guard.seconds}s` : null,
    ended,
    transactionSeconds: round((transactionEnd - began) / 1000, 2),
    heldBackSeconds: round(longestGap / 1000, 2),
    maxPileUp,
    catchUpSeconds: round((caughtUpAt - transactionEnd) / 1000, 3),
    appended: acked,
    delivered: [...seen.values()].reduce((a, b) => a + b, 0),
    skipped: Array.from({ length: acked }, (_, i) => i).filter((i) => !seen.has(i)).length,
    duplicates: [...seen.values()].filter((n) => n > 1).length,
    outOfOrder,
  };
}
