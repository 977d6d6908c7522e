/**
 * One target's growth curve: for each size of the ladder, fill its storage to that many events (the
 * backend's bulk path, ./<server>.ts), open a target on it, and measure (./measure-step.ts). The store
 * is opened anew after each fill (a Kafka store replays the log into its index: its open time grows
 * with the log, and is measured); a raw baseline keeps its connection (it holds no state but its own
 * appends' offsets, which its stream reads need).
 */
import { round } from '../harness/histograms.ts';
import { tooFewSamplesFor } from '../harness/sample-count.ts';
import type { RunOutcome } from '../harness/run-workload.ts';
import type { Growth, GrowthStep, PercentileName } from '../results-file/schema.ts';
import { watchMachineLoad } from '../session/machine-load.ts';
import type { StepOptions } from '../session/rate-step.ts';
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';
import { catchUpFromStart, catchUpFromTail, measureRate, readingStream } from './measure-step.ts';
import { warmUpTarget } from '../session/rate-step.ts';
import { FILL_EVENTS_PER_STREAM, throwIfAborted, type GrowthStorage } from './storage.ts';

/** A stream's length for the old and hot stream reads (as the read-stream workload's streams). */
const READ_STREAM_EVENTS = 50;

export interface FillProgress {
  start(label: string, total: number): void;
  update(written: number): void;
  stop(): void;
}

export interface GrowthSubject {
  label: string;
  storage: GrowthStorage;
  /** Opens a target on the storage; called again after each fill when `reopenAfterFill`. */
  open(): Promise<BenchTarget>;
  reopenAfterFill: boolean;
}

export interface GrowthOptions {
  stored: readonly number[];
  runId: string;
  appendWorkload: Workload;
  readWorkload: Workload;
  step: StepOptions;
  /** Longest a catch-up from the start of $all is followed. */
  catchUpSeconds: number;
  signal: AbortSignal;
  fillProgress?: FillProgress;
  log?: (line: string) => void;
}

export interface GrowthOutcome {
  growth: Growth;
  /** The append run of the largest size: the record's summary and histograms. */
  last: RunOutcome | undefined;
  notes: string[];
}

export async function runGrowth(subject: GrowthSubject, options: GrowthOptions): Promise<GrowthOutcome> {
  const log = options.log ?? (() => {});
  const steps: GrowthStep[] = [];
  const notes: string[] = [];
  const rss = { max: process.memoryUsage.rss() };
  const sampler = setInterval(() => (rss.max = Math.max(rss.max, process.memoryUsage.rss())), 250);
  sampler.unref();
  // A target's first seconds are not its steady state (rate-step.ts, warmUpTarget): each one opened is warmed first.
  const open = async (): Promise<BenchTarget> => {
    const opened = await subject.open();
    const cold = await warmUpTarget(opened, options.appendWorkload, `${options.runId}-warm`, options.step);
    if (cold) throw new Error(`${subject.label} cannot warm up: ${cold.reason}`);
    return opened;
  };
  let target: BenchTarget | undefined = await open();
  let last: RunOutcome | undefined;
  let current: number | undefined;
  let stoppedAt: Growth['stoppedAt'];
  const oldStream = `growth-${options.runId}-old`;
  try {
    await writeStream(target, oldStream);
    for (const [index, requested] of options.stored.entries()) {
      throwIfAborted(options.signal);
      current = requested;
      rss.max = process.memoryUsage.rss();
      const before = await subject.storage.count();
      const toFill = Math.max(0, requested - before);
      let fillSeconds = 0;
      if (toFill > 0) {
        if (subject.reopenAfterFill) {
          await target?.close();
          target = undefined;
        }
        options.fillProgress?.start(`fill ${subject.label} to ${requested.toLocaleString('en-US')}`, toFill);
        const t0 = performance.now();
        try {
          await subject.storage.fill(toFill, { prefix: `growth-${options.runId}-s${index}-`, signal: options.signal, onProgress: (n) => options.fillProgress?.update(n) });
          await subject.storage.settle?.();
        } finally {
          options.fillProgress?.stop();
        }
        fillSeconds = (performance.now() - t0) / 1000;
        log(`  ${subject.label}: filled ${toFill.toLocaleString('en-US')} events in ${fillSeconds.toFixed(1)} s (${Math.round(toFill / fillSeconds).toLocaleString('en-US')}/s)`);
      }
      const t1 = performance.now();
      let openSeconds = 0;
      if (!target) {
        target = await subject.open();
        openSeconds = (performance.now() - t1) / 1000;
        const cold = await warmUpTarget(target, options.appendWorkload, `${options.runId}-warm${index}`, options.step);
        if (cold) throw new Error(`${subject.label} cannot warm up: ${cold.reason}`);
      }
      const storedEvents = await subject.storage.count();
      const hotStream = `growth-${options.runId}-hot${index}`;
      await writeStream(target, hotStream);
      const { step, outcome } = await measureAt(target, subject.storage, { requested, storedEvents, filled: toFill, fillSeconds, openSeconds, oldStream, hotStream, runId: `${options.runId}-g${index}` }, options, rss);
      last = outcome;
      steps.push(step);
      log(
        `  ${subject.label} at ${storedEvents.toLocaleString('en-US')} events: append p50 ${step.appendP50Ms} / p99 ${step.appendP99Ms} ms, readStream p99 old ${step.readStreamOldP99Ms} / hot ${step.readStreamHotP99Ms} ms, ` +
          `catch-up ${Math.round(step.catchUpEventsPerSecond).toLocaleString('en-US')} events/s, ${step.bytesPerEvent ?? '?'} B/event, RSS ${(step.rssMaxBytes / 1024 ** 2).toFixed(0)} MiB${step.saturated ? ' SATURATED' : ''}`,
      );
    }
  } catch (error) {
    // A size the target cannot reach or open (a Kafka store's log view replays the whole log at open, within
    // its own time bound) ends the ladder; the sizes measured before it stand, and the results say why.
    if (options.signal.aborted || steps.length === 0 || current === undefined) throw error;
    stoppedAt = { requestedEvents: current, reason: error instanceof Error ? error.message : String(error) };
    notes.push(`the ladder stopped at ${current.toLocaleString('en-US')} events: ${stoppedAt.reason}`);
    log(`  ${subject.label}: stopped at ${current.toLocaleString('en-US')} events: ${stoppedAt.reason}`);
  } finally {
    clearInterval(sampler);
    await target?.close().catch(() => {});
  }
  const growth: Growth = { fillMethod: subject.storage.method, fillBatchEvents: subject.storage.batchEvents, eventsPerStream: FILL_EVENTS_PER_STREAM, steps, ...(stoppedAt ? { stoppedAt } : {}) };
  if (steps.some((s) => s.filledEvents > 0)) notes.push(`filled by ${subject.storage.method}; the harness's RSS (highest while filling and measuring) is in each step`);
  return { growth, last, notes };
}

async function writeStream(target: BenchTarget, streamId: string): Promise<void> {
  for (let k = 0; k < READ_STREAM_EVENTS; k += 10) {
    await target.append(streamId, Array.from({ length: 10 }, (_, i) => ({ type: 'BenchmarkEvent', data: { growth: streamId, k: k + i } })), 'any');
  }
}

interface StepContext {
  requested: number;
  storedEvents: number;
  filled: number;
  fillSeconds: number;
  openSeconds: number;
  oldStream: string;
  hotStream: string;
  runId: string;
}

async function measureAt(target: BenchTarget, storage: GrowthStorage, ctx: StepContext, options: GrowthOptions, rss: { max: number }): Promise<{ step: GrowthStep; outcome: RunOutcome }> {
  const machine = watchMachineLoad();
  const append = await measureRate(target, options.appendWorkload, `${ctx.runId}-append`, options.step);
  const old = await measureRate(readingStream(target, ctx.oldStream), options.readWorkload, `${ctx.runId}-old`, options.step);
  const hot = await measureRate(readingStream(target, ctx.hotStream), options.readWorkload, `${ctx.runId}-hot`, options.step);
  // A read that returns the wrong number of events measures nothing: say so loudly.
  for (const [name, stream] of [['old', ctx.oldStream], ['hot', ctx.hotStream]] as const) {
    const n = await target.readStream(stream);
    if (n !== READ_STREAM_EVENTS) throw new Error(`${target.label}: the ${name} stream ${stream} read back ${n} events, not ${READ_STREAM_EVENTS}`);
  }
  const catchUp = await catchUpFromStart(target, options.catchUpSeconds);
  const tailCatchUpMs = await catchUpFromTail(target);
  const disk = await storage.disk();
  const load = machine.stop();
  const runs = [append, old, hot];
  const saturation = runs.flatMap((r, i) => (r.summary.saturated ? (r.summary.saturation ?? []).map((why) => `${['append', 'readStream old', 'readStream hot'][i]}: ${why}`) : []));
  const few = new Set<PercentileName>(runs.flatMap((r) => tooFewSamplesFor(r.summary.samples ?? 0)));
  const p99Old = old.summary.p99Ms;
  const p99Hot = hot.summary.p99Ms;
  const step: GrowthStep = {
    requestedEvents: ctx.requested,
    storedEvents: ctx.storedEvents,
    filledEvents: ctx.filled,
    fillSeconds: round(ctx.fillSeconds, 2),
    openSeconds: round(ctx.openSeconds, 3),
    appendRate: options.appendWorkload.rate,
    appendP50Ms: append.summary.p50Ms,
    appendP99Ms: append.summary.p99Ms,
    readStreamOldP50Ms: old.summary.p50Ms,
    readStreamOldP99Ms: p99Old,
    readStreamHotP50Ms: hot.summary.p50Ms,
    readStreamHotP99Ms: p99Hot,
    readStreamP99Ms: Math.max(p99Old, p99Hot),
    catchUpEventsPerSecond: round(catchUp.seconds > 0 ? catchUp.events / catchUp.seconds : 0, 1),
    catchUpEvents: catchUp.events,
    catchUpSeconds: round(catchUp.seconds, 3),
    catchUpReachedEnd: catchUp.reachedEnd,
    tailCatchUpMs: tailCatchUpMs === null ? null : round(tailCatchUpMs, 2),
    bytesPerEvent: disk.bytes === null || ctx.storedEvents === 0 ? null : round(disk.bytes / ctx.storedEvents, 1),
    diskBytes: disk.bytes,
    diskParts: disk.parts,
    ...(disk.note ? { diskNote: disk.note } : {}),
    rssBytes: process.memoryUsage.rss(),
    rssMaxBytes: Math.max(rss.max, process.memoryUsage.rss()),
    samples: append.summary.samples ?? 0,
    readSamples: { old: old.summary.samples ?? 0, hot: hot.summary.samples ?? 0 },
    tooFewSamplesFor: [...few],
    saturated: saturation.length > 0,
    saturation,
    machine: load,
  };
  return { step, outcome: append };
}
