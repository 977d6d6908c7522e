/**
 * `npm run bench -- stall [--hold 1,10,60] [--rate 100]`: the long-transaction stall on PostgreSQL
 * (./long-transaction.ts) for each hold, idle; then what the guards buy: the longest hold again with
 * `idle_in_transaction_session_timeout` (idle holder) and with `transaction_timeout` (busy holder), each
 * 5 s. Writes benchmarks/results/<time>-stall.json with the machine's load.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { backendByName } from '../../labs/backends.ts';
import { startBackend } from '../../labs/runtime/index.ts';
import { loadAverage } from '../session/environment.ts';
import { watchMachineLoad } from '../session/machine-load.ts';
import type { MachineLoad } from '../results-file/schema.ts';
import { measureStall, type StallCase, type StallOptions } from './long-transaction.ts';

export interface StallResults {
  kind: 'postgres-long-transaction-stall';
  startedAt: string;
  finishedAt: string;
  command: string[];
  server: string;
  appendsPerSecond: number;
  loadBefore: number[];
  loadAfter: number[];
  machine: MachineLoad;
  cases: StallCase[];
}

const GUARD_SECONDS = 5;

export async function runStallSuite(holds: readonly number[], rate: number, command: string[], log: (line: string) => void): Promise<StallResults> {
  const backend = backendByName('postgres')!;
  const outcome = await startBackend(backend, { log });
  if (outcome.status === 'skipped') throw new Error(`PostgreSQL is not available: ${outcome.reason}`);
  const running = outcome.running;
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage();
  const machine = watchMachineLoad(5000);
  const runId = randomBytes(3).toString('hex');
  const cases: StallCase[] = [];
  const store = await running.createStore();
  try {
    const longest = Math.max(...holds);
    const plan: Omit<StallOptions, 'rate' | 'connectionString' | 'runId'>[] = [
      ...holds.map((holdSeconds) => ({ holdSeconds, holder: 'idle' as const })),
      { holdSeconds: longest, holder: 'idle' as const, guard: { setting: 'idle_in_transaction_session_timeout' as const, seconds: GUARD_SECONDS } },
      { holdSeconds: longest, holder: 'busy' as const, guard: { setting: 'transaction_timeout' as const, seconds: GUARD_SECONDS } },
    ];
    for (const p of plan) {
      log(`stall: ${p.holder} transaction held ${p.holdSeconds} s${p.guard ? ` under ${p.guard.setting}=${p.guard.seconds}s` : ''} …`);
      const c = await measureStall(store, { ...p, rate, connectionString: running.env.DATABASE_URL!, runId });
      log(`  ${c.ended} after ${c.transactionSeconds} s: subscriber held back ${c.heldBackSeconds} s, ${c.maxPileUp} events piled up, caught up ${c.catchUpSeconds} s after; ${c.appended} appended, ${c.delivered} delivered, ${c.skipped} skipped, ${c.duplicates} duplicates, ${c.outOfOrder} out of order`);
      cases.push(c);
    }
  } finally {
    await store.close().catch(() => {});
    await running.stop().catch(() => {});
  }
  return { kind: 'postgres-long-transaction-stall', startedAt, finishedAt: new Date().toISOString(), command, server: running.description, appendsPerSecond: rate, loadBefore, loadAfter: loadAverage(), machine: machine.stop(), cases };
}

export async function writeStallResults(path: string, results: StallResults): Promise<void> {
  await writeFile(path, `${JSON.stringify(results, null, 1)}\n`);
}
