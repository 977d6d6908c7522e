/**
 * A failover drill on one cluster backend: writers in other OS processes append all along, a subscriber
 * follows `$all`, the nemesis (the cluster's failover manager, told which fault) strikes the primary
 * `failovers` times, and the checker reads everything back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendDefinition, ClusterFault, FailoverRecord, RunningBackend } from '../../labs/runtime/index.ts';
import { networkNamespacesUnavailable, PartitionUnavailableError, withOwnServers } from '../../labs/runtime/index.ts';
import type { EventStore } from '../../labs/core/index.ts';
import { checkEvents, checkSubscriber, percentiles, unavailableWindow } from './checker.ts';
import type { DrillReport, EventRecord, FaultReport, WriterReport } from './records.ts';

const WRITER_ENTRY = fileURLToPath(new URL('./writer.ts', import.meta.url));
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DrillOptions {
  failovers: number;
  faults: ClusterFault[];
  /** Writer processes; half track expected versions, half append with `any`. */
  writers?: number;
  /** Appending before the first fault and after each failover, before the next. */
  settleMs?: number;
  onProgress?(state: { failover: number; of: number; phase: string; acknowledged: number }): void;
  log?(line: string): void;
}

/** A fault the backend cannot be given at all (not built for it): bad input, said before anything starts. */
export class UnsupportedFaultError extends Error {
  constructor(
    definition: BackendDefinition,
    readonly faults: ClusterFault[],
  ) {
    super(`${definition.title} cannot be given ${faults.join(', ')} (it can: ${definition.cluster?.faults.join(', ') ?? 'nothing, it runs one node'})`);
    this.name = 'UnsupportedFaultError';
  }
}

export class NotAClusterError extends Error {
  constructor(definition: BackendDefinition, clusters: string[]) {
    super(`'${definition.name}' runs one node: a failover drill needs a cluster backend (${clusters.join(', ')})`);
    this.name = 'NotAClusterError';
  }
}

interface Writer {
  child: ChildProcess;
  report: Promise<WriterReport>;
  acknowledged: number;
}

function startWriter(definition: BackendDefinition, running: RunningBackend, writer: number, prefix: string): Promise<Writer> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER_ENTRY, definition.name], {
    env: { ...process.env, ...running.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const handle: Writer = { child, acknowledged: 0, report: Promise.resolve({ writer, events: [], attempts: [] }) };
  return new Promise((resolve, reject) => {
    handle.report = new Promise<WriterReport>((done, fail) => {
      child.on('message', (raw) => {
        const message = raw as { ready?: true; report?: WriterReport };
        if (message.ready) resolve(handle);
        if (message.report) done(message.report);
      });
      child.on('exit', (code, signal) => {
        const error = new Error(`writer ${writer} exited (${signal ?? `code ${code}`}) without a report. ${stderr.trim()}`);
        fail(error);
        reject(error);
      });
    });
    handle.report.catch(() => {});
    const streams = Array.from({ length: 4 }, (_, i) => `${prefix}w${writer}-s${i}`);
    child.send({ start: { writer, streams, mode: writer % 2 === 0 ? 'expected' : 'any' } });
  });
}

/** Reads every event of this drill back: id -> how many times it is stored. */
async function readBack(store: EventStore, prefix: string): Promise<{ stored: Map<string, number>; last: bigint | undefined }> {
  const stored = new Map<string, number>();
  let from = 0n;
  let last: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 1_000 });
    for (const event of page) {
      if (event.streamId.startsWith(prefix)) stored.set(event.id, (stored.get(event.id) ?? 0) + 1);
      last = event.globalPosition;
    }
    if (page.length < 1_000) return { stored, last };
    from = page[page.length - 1]!.globalPosition + 1n;
  }
}

export async function runDrill(definition: BackendDefinition, options: DrillOptions): Promise<DrillReport> {
  if (!definition.cluster) throw new NotAClusterError(definition, []);
  const unsupported = options.faults.filter((f) => !definition.cluster!.faults.includes(f));
  if (unsupported.length > 0) throw new UnsupportedFaultError(definition, unsupported);
  // Before minutes of starting servers: the machine must allow a network of namespaces.
  const partitionable = options.faults.includes('partition');
  const noNamespaces = partitionable ? networkNamespacesUnavailable() : undefined;
  if (noNamespaces) throw new PartitionUnavailableError(noNamespaces);
  const writerCount = options.writers ?? 4;
  const settleMs = options.settleMs ?? 1_500;
  const started = Date.now();
  const loadAverageStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const prefix = `drill-${randomBytes(3).toString('hex')}-`;
  // A cluster of this drill's own, whatever the environment points at.
  const running = await withOwnServers(() => definition.start(options.log, { partitionable }));
  const writers: Writer[] = [];
  const delivered: string[] = [];
  let subscriberStore: EventStore | undefined;
  try {
    const cluster = running.cluster;
    if (!cluster) throw new Error(`${definition.title} started without its failover controls`);
    const unknown = options.faults.filter((f) => !cluster.faults.includes(f));
    if (unknown.length > 0) throw new Error(`${definition.title} cannot be given ${unknown.join(', ')} here (it can: ${cluster.faults.join(', ')})`);

    subscriberStore = await running.createStore();
    const subscription = subscriberStore.subscribeToAll({ retryUnavailableForMs: 120_000 });
    const following = (async () => {
      for await (const event of subscription) if (event.streamId.startsWith(prefix)) delivered.push(event.id);
    })();
    following.catch(() => {});

    writers.push(...(await Promise.all(Array.from({ length: writerCount }, (_, i) => startWriter(definition, running, i, prefix)))));
    const progress = (failover: number, phase: string) =>
      options.onProgress?.({ failover, of: options.failovers, phase, acknowledged: delivered.length });
    const records: FailoverRecord[] = [];
    for (let i = 0; i < options.failovers; i++) {
      progress(i, 'appending');
      await delay(settleMs);
      const fault = options.faults[i % options.faults.length]!;
      progress(i, `${fault} the primary`);
      records.push(await cluster.failover({ fault }));
    }
    progress(options.failovers, 'appending after the last failover');
    await delay(settleMs);
    for (const writer of writers) writer.child.send({ stop: true });
    const reports = await Promise.all(writers.map((w) => w.report));
    const failed = reports.find((r) => r.error);
    if (failed) throw new Error(`writer ${failed.writer} failed: ${failed.error}`);
    progress(options.failovers, 'reading everything back');

    const { stored, last } = await readBack(subscriberStore, prefix);
    // The subscriber has until it reaches the last stored event (or 20 s) to deliver what is stored.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && last !== undefined && delivered.length < stored.size) await delay(100);
    await subscription.close();

    const events: EventRecord[] = reports.flatMap((r) => r.events);
    const attempts = reports.flatMap((r) => r.attempts);
    const findings = checkEvents(events, stored);
    const subscriber = checkSubscriber(stored, delivered);
    const duplicatedIds = new Set(findings.duplicated);
    // Each failover owns what was acknowledged from the end of the previous one to its own end.
    const timeline = records.map((record, i) => {
      const from = i === 0 ? 0 : records[i - 1]!.rebuiltAt;
      const until = record.rebuiltAt;
      const owns = (at: number) => at > from && (at <= until || i === records.length - 1);
      return {
        fault: record.fault,
        lagMs: record.lagMs,
        detectMs: record.detectedAt - record.faultAt,
        promoteMs: record.promotedAt - record.detectedAt,
        rebuildMs: record.rebuiltAt - record.promotedAt,
        unavailableMs: unavailableWindow(attempts, record.faultAt - record.lagMs, until),
        lost: findings.lost.filter(([, , at]) => owns(at)).length,
        acknowledgedDuringLag: findings.acknowledged.filter(([, , at]) => at >= record.faultAt - record.lagMs && at <= record.faultAt).length,
        acknowledged: findings.acknowledged.filter(([, , at]) => owns(at)).length,
        phantom: findings.phantom.filter(([, , at]) => owns(at)).length,
        duplicated: events.filter(([id, , at]) => duplicatedIds.has(id) && owns(at)).length,
      };
    });
    const faults: FaultReport[] = [...new Set(options.faults)].map((fault) => {
      const mine = timeline.filter((t) => t.fault === fault);
      return {
        fault,
        failovers: mine.length,
        acknowledged: mine.reduce((n, t) => n + t.acknowledged, 0),
        lost: mine.reduce((n, t) => n + t.lost, 0),
        duplicated: mine.reduce((n, t) => n + t.duplicated, 0),
        phantom: mine.reduce((n, t) => n + t.phantom, 0),
        unavailableMs: percentiles(mine.map((t) => t.unavailableMs)),
      };
    });
    return {
      backend: definition.name,
      title: definition.title,
      durability: definition.cluster.durability,
      failovers: records.length,
      faults,
      acknowledged: findings.acknowledged.length,
      lost: findings.lost.length,
      duplicated: findings.duplicated.length,
      phantom: findings.phantom.length,
      indeterminate: findings.indeterminate.length,
      subscriberMissed: subscriber.missed,
      subscriberDuplicated: subscriber.duplicated,
      unavailableMs: percentiles(timeline.map((t) => t.unavailableMs)),
      timeline: timeline.map(({ fault, lagMs, acknowledgedDuringLag, detectMs, promoteMs, rebuildMs, unavailableMs, lost }) => ({ fault, lagMs, acknowledgedDuringLag, detectMs, promoteMs, rebuildMs, unavailableMs, lost })),
      writers: writerCount,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      lostSample: findings.lost.slice(0, 5).map(([id]) => id),
      machine: { cores: availableParallelism(), loadAverageStart, loadAverageEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    };
  } finally {
    for (const writer of writers) if (writer.child.exitCode === null) writer.child.kill('SIGKILL');
    await subscriberStore?.close().catch(() => {});
    await running.stop();
  }
}
