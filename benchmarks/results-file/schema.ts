/**
 * The results file: everything a run measured, as JSON that others can re-plot or compare. The
 * histograms are HdrHistogram's compressed base64 encoding (values in microseconds), so any HdrHistogram
 * implementation can decode them; the summaries repeat the usual percentiles in milliseconds so a reader
 * (the advisor) needs no histogram library.
 *
 *   { schemaVersion, startedAt, finishedAt, command, environment, workloads: [Workload],
 *     runs: [{ id, backend, target, kind, via, workload, mode, status, reason?, summary?, histograms?,
 *              timeSeries?, search?, sweep?, machine?, notes }] }
 *
 * This schema is the one definition of these shapes: the harness's types are inferred from it. Fields
 * added in schema version 2 are optional so that version-1 files still read (and render, without them).
 */
import { z } from 'zod';
import { workloadSchema } from '../workloads/workload.ts';

export const RESULTS_SCHEMA_VERSION = 2;

export const latencySummarySchema = z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() });

/** Percentiles that rest on too few samples beyond them to mean anything: their field holds the max. */
export const percentileNameSchema = z.enum(['p50', 'p90', 'p99', 'p99.9', 'p99.99']);

export const subscriberStatsSchema = z.object({
  subscribers: z.number(),
  /** Simulated cost of handling one event (a projection's write), awaited per event. */
  handlerCostMs: z.number(),
  /** The subscription's bounded buffer, and the most it ever held (per subscriber, the highest). */
  bufferSize: z.number(),
  maxBuffered: z.number(),
  lagP50Ms: z.number(),
  lagP99Ms: z.number(),
  /** Backlog when the writes stopped, and how long the subscribers took to deliver it (null: not within the limit). */
  backlogAtEnd: z.number(),
  recoverySeconds: z.number().nullable(),
  /** Resident set size of this process (harness + in-process clients), at the start and the highest seen. */
  rssStartBytes: z.number(),
  rssMaxBytes: z.number(),
});

/** A consumer-group run: members in processes of their own sharing the live subscription. */
export const consumerGroupStatsSchema = z.object({
  members: z.number(),
  partitions: z.number(),
  handlerCostMs: z.number(),
  handlerKind: z.enum(['wait', 'cpu']),
  leaseMs: z.number(),
  /** Distinct events of the run handled, and per second from the first append to the last handling. */
  handled: z.number(),
  handledPerSecond: z.number(),
  /** Handlings beyond the first of an event (at-least-once: after a kill, at most one per partition the victim held). */
  redelivered: z.number(),
  perMember: z.array(z.object({ member: z.string(), handled: z.number(), killed: z.boolean(), partitions: z.array(z.number()) })),
  /** Seconds after the first append when one member was killed (null: none was). */
  killedAtSeconds: z.number().nullable(),
  /** From the kill to the first event of the victim's partitions handled by another member (null: no kill, or never). */
  takeoverMs: z.number().nullable(),
  /** Events handled per second per member, t = seconds since the first append. */
  memberSeries: z.array(z.object({ t: z.number(), handled: z.record(z.string(), z.number()) })),
});

export const baselineRatioSchema = z.object({
  label: z.string(),
  throughputRatio: z.number(),
  p99Ratio: z.number(),
  /**
   * Sweeps and max-rate searches: the two figures' ranges over repeats overlap, so the ratio of their
   * medians is not a difference this run shows (a tie). Absent for single runs.
   */
  rangesOverlap: z.boolean().optional(),
});

export const summarySchema = z.object({
  mode: z.enum(['open', 'closed']),
  /** Open loop: intended operations per second (the offered rate). */
  targetRate: z.number().nullable(),
  /** Closed loop: workers. */
  concurrency: z.number().nullable(),
  maxInFlight: z.number().nullable(),
  durationSeconds: z.number(),
  warmupSeconds: z.number(),
  measuredSeconds: z.number(),
  /** Successful operations intended after the warm-up: the ones in the latency histograms. */
  operations: z.number(),
  /**
   * Successful operations intended after the warm-up, per second of the measured time (end of the
   * warm-up to the last completion). A warm-up's backlog completing later is not counted.
   */
  throughput: z.number(),
  eventsPerSecond: z.number(),
  /** Corrected latency (intended start -> completion). */
  p50Ms: z.number(),
  p90Ms: z.number(),
  p99Ms: z.number(),
  p999Ms: z.number(),
  p9999Ms: z.number(),
  maxMs: z.number(),
  meanMs: z.number(),
  /** Values in the corrected histogram (successes and unsent operations intended after the warm-up). */
  samples: z.number().optional(),
  /** Percentiles with fewer than MIN_SAMPLES_BEYOND samples beyond them: their field holds the max of `samples`. */
  tooFewSamplesFor: z.array(percentileNameSchema).optional(),
  /** Service time (actual start -> completion): what a closed-loop tool would report. */
  service: latencySummarySchema,
  /** Intended start -> actual start. */
  sendDelay: latencySummarySchema,
  errors: z.record(z.string(), z.number()),
  errorCount: z.number(),
  conflicts: z.number(),
  /** Conflicts / (successes + errors). */
  conflictRate: z.number(),
  /** Operations due before the end but never started: the in-flight bound held them back. */
  unsent: z.number(),
  /** Highest number of operations due but not started at any time. */
  maxPending: z.number(),
  /** End-to-end subscription lag, append start -> delivery (live subscribers). */
  lag: latencySummarySchema.nullable(),
  /** Highest subscription backlog (events acknowledged, not yet delivered to the slowest subscriber). */
  maxBacklog: z.number(),
  /** Backlog build-and-drain: how long the paused subscriber took to catch up. */
  drain: z.object({ events: z.number(), seconds: z.number(), eventsPerSecond: z.number(), completed: z.boolean() }).nullable(),
  /** Live subscribers with a per-event handler cost (the slow-consumer workloads). */
  subscribers: subscriberStatsSchema.nullable().optional(),
  /** Consumer-group workloads: how the members shared the work, and the takeover after a kill. */
  consumerGroup: consumerGroupStatsSchema.nullable().optional(),
  /** CPU used by this process during the run, in percent of one core (the harness, plus in-process backends). */
  processCpuPercent: z.number(),
  /**
   * Open loop: the run could not keep up with its schedule (harness/saturation.ts says when), and
   * why. Its throughput is what was achieved while saturated, not a capacity; no ratio to raw is given.
   * Closed loop: always false (a closed loop has no schedule to fall behind; its throughput is its capacity).
   */
  saturated: z.boolean().optional(),
  saturation: z.array(z.string()).optional(),
  /** Filled in when the same run has a raw-driver baseline for this workload and mode, and neither saturated. */
  baseline: baselineRatioSchema.nullable(),
  /** The same, against the raw baseline that gives the store's write guarantee (a transaction, a conditional write), where there is one. */
  guaranteeBaseline: baselineRatioSchema.nullable().optional(),
});

export const timeSeriesPointSchema = z.object({
  t: z.number(),
  phase: z.enum(['warmup', 'run', 'drain']),
  throughput: z.number(),
  eventsPerSecond: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  serviceP99Ms: z.number(),
  sendDelayP99Ms: z.number(),
  errors: z.number(),
  conflicts: z.number(),
  inFlight: z.number(),
  pending: z.number(),
  backlog: z.number(),
  lagP50Ms: z.number().optional(),
  lagP99Ms: z.number(),
  /** Highest resident set size of this process seen in the interval (MiB), when sampled. */
  rssMiB: z.number().optional(),
});

export const searchStepSchema = z.object({
  rate: z.number(),
  throughput: z.number(),
  /** The p99 the step was judged by: the histogram's, even from fewer than 10,000 samples (see p99Label). */
  p99Ms: z.number(),
  /** "p99", or "p99 of 2500 samples (25 beyond it)" when the samples hardly support it. */
  p99Label: z.string().optional(),
  samples: z.number().optional(),
  /** 2: the rate's second try, run because the first failed (retryFailedSteps); absent on a first try. */
  attempt: z.number().optional(),
  unsent: z.number(),
  maxPending: z.number(),
  maxBacklog: z.number(),
  errorCount: z.number(),
  sustainable: z.boolean(),
  why: z.string(),
});

/** Median and range of one figure over repeats. */
export const spreadSchema = z.object({ median: z.number(), min: z.number(), max: z.number() });

/** What the machine was doing while a run (or a session) ran: other work on a shared machine shows here. */
export const machineLoadSchema = z.object({
  cores: z.number(),
  loadBefore: z.array(z.number()),
  loadAfter: z.array(z.number()),
  /** Highest 1-minute load average sampled during the run. */
  maxLoad1: z.number(),
  /** Share of CPU time stolen by the hypervisor during the run, percent (null where /proc/stat is absent). */
  stealPercent: z.number().nullable(),
  /**
   * Other processes' share of the machine's CPU time during the run, percent of every core's time: the
   * machine's use (/proc/stat) minus this benchmark's process tree (harness and the servers it started).
   * Null where /proc is missing. Absent in results written before 2026-12-01 (judged by load average).
   */
  otherCpuPercent: z.number().nullable().optional(),
  /** … in the worst 10-second window. */
  maxOtherCpuPercent: z.number().nullable().optional(),
  /** This benchmark's own share (harness and servers), percent. */
  ownCpuPercent: z.number().nullable().optional(),
  /** How `busy` was decided: CPU accounting, or (no /proc) the load average before the run. */
  method: z.enum(['cpu-accounting', 'load-average-before', 'load-average']).optional(),
  busy: z.boolean(),
  /** Why it counts as busy: "other processes used 31 % of the CPU (0.62 of 2 cores) > 10 %", "CPU steal 12 %". */
  why: z.string().nullable(),
});

export const sweepRepeatSchema = z.object({
  achievedRate: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  p999Ms: z.number(),
  sendDelayP99Ms: z.number(),
  samples: z.number(),
  unsent: z.number(),
  errorCount: z.number(),
  saturated: z.boolean(),
  saturation: z.array(z.string()),
  tooFewSamplesFor: z.array(percentileNameSchema),
});

/** One offered rate of a sweep: the median repeat's figures, the spread, every repeat. */
export const sweepStepSchema = z.object({
  offeredRate: z.number(),
  achievedRate: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  p999Ms: z.number(),
  sendDelayP99Ms: z.number(),
  samples: z.number(),
  unsent: z.number(),
  errorCount: z.number(),
  /** True when most repeats saturated (each repeat's verdict is in `repeats`). */
  saturated: z.boolean(),
  /** Percentiles that too few samples support in the median repeat: shown as its max. */
  tooFewSamplesFor: z.array(percentileNameSchema),
  spread: z.object({ achievedRate: spreadSchema, p50Ms: spreadSchema, p99Ms: spreadSchema, p999Ms: spreadSchema }),
  repeats: z.array(sweepRepeatSchema),
});

export const saturationRuleSchema = z.object({
  /** Achieved below this share of the offered rate (conflicts count as answered). */
  minAchievedShare: z.number(),
  /** Send delay p99 above this bound: the schedule slipped. */
  maxSendDelayP99Ms: z.number(),
  /** Plus: any operation unsent. */
});

export const sweepSchema = z.object({
  rates: z.array(z.number()),
  repeats: z.number(),
  /** Each step ran until at least this many operations were intended after its warm-up (and at least `stepSeconds`). */
  minSamples: z.number(),
  stepSeconds: z.number(),
  saturationRule: saturationRuleSchema,
  steps: z.array(sweepStepSchema),
  /** The highest offered rate whose step did not saturate, median over repeats (each repeat's highest), with its range. */
  highestUnsaturatedRate: spreadSchema.nullable(),
});

/** One size of a growth run (benchmarks/growth): the store filled to `storedEvents`, then measured. */
export const growthStepSchema = z.object({
  /** Asked for by --stored. */
  requestedEvents: z.number(),
  /** Counted in the store before the measurements (the fill, plus what earlier steps' measurements wrote). */
  storedEvents: z.number(),
  /** Events the fill wrote for this step, in how many seconds (0 when the store already held enough). */
  filledEvents: z.number(),
  fillSeconds: z.number(),
  /** Seconds to open a new store on the data (a Kafka store replays the log into its index). */
  openSeconds: z.number(),
  /** Appends: open loop at `appendRate`, corrected latency; the step's own saturation verdict. */
  appendRate: z.number(),
  appendP50Ms: z.number(),
  appendP99Ms: z.number(),
  /** readStream of a 50-event stream written before the first fill (old) and one written just before this step (hot). */
  readStreamOldP50Ms: z.number(),
  readStreamOldP99Ms: z.number(),
  readStreamHotP50Ms: z.number(),
  readStreamHotP99Ms: z.number(),
  /** The higher of the two p99s. */
  readStreamP99Ms: z.number(),
  /** A new subscriber from the start of $all (raw: read-all pages): events delivered per second over `catchUpSeconds`. */
  catchUpEventsPerSecond: z.number(),
  catchUpEvents: z.number(),
  catchUpSeconds: z.number(),
  /** True when it reached the end of the log within the limit. */
  catchUpReachedEnd: z.boolean(),
  /** A new subscriber from the end of $all: milliseconds until it was live (null: the target has no subscriptions). */
  tailCatchUpMs: z.number().nullable(),
  /** Bytes on disk (table + indexes, or log segments) per stored event; null where not measurable (say why in `diskNote`). */
  bytesPerEvent: z.number().nullable(),
  diskBytes: z.number().nullable(),
  /** Each part (heap, each index, segments, WAL written by the fill), bytes. */
  diskParts: z.record(z.string(), z.number()),
  diskNote: z.string().optional(),
  /** Resident set size of the harness process: after the step, and the highest sampled during fill and measurements. */
  rssBytes: z.number(),
  rssMaxBytes: z.number(),
  /** Samples of the append histogram (each read's in `readSamples`). */
  samples: z.number(),
  readSamples: z.object({ old: z.number(), hot: z.number() }),
  /** Percentiles too few samples support (append, reads), shown as the max. */
  tooFewSamplesFor: z.array(percentileNameSchema),
  /** The append or a read step could not keep up with its schedule, and why. */
  saturated: z.boolean(),
  saturation: z.array(z.string()),
  machine: machineLoadSchema.optional(),
});

export const growthSchema = z.object({
  /** What the fill does (its SQL or records) and in what batches: the harness's memory stays bounded by one batch. */
  fillMethod: z.string(),
  fillBatchEvents: z.number(),
  eventsPerStream: z.number(),
  steps: z.array(growthStepSchema),
  /** The ladder stopped before its end: at which size, and why (the steps before it stand). */
  stoppedAt: z.object({ requestedEvents: z.number(), reason: z.string() }).optional(),
});

export const runRecordSchema = z.object({
  id: z.string(),
  backend: z.string(),
  /** `postgres`, `postgres (raw pg)`, `noop`, … */
  target: z.string(),
  kind: z.enum(['store', 'raw', 'http', 'synthetic']),
  /** Raw baselines: whether it gives the store's write guarantee (`same-as-store`) or none (`none`). */
  rawGuarantee: z.enum(['none', 'same-as-store']).optional(),
  via: z.enum(['direct', 'http']),
  workload: z.string(),
  mode: z.enum(['open', 'closed', 'max-rate', 'sweep', 'growth']),
  status: z.enum(['ok', 'skipped', 'failed']),
  reason: z.string().optional(),
  summary: summarySchema.optional(),
  histograms: z.object({ corrected: z.string(), service: z.string(), sendDelay: z.string(), lag: z.string().nullable() }).optional(),
  timeSeries: z.array(timeSeriesPointSchema).optional(),
  /** Max-rate search: every rate tried, in order; the summary is the highest sustainable one (of the median repeat). */
  search: z
    .object({
      maxP99Ms: z.number(),
      maxBacklog: z.number(),
      steps: z.array(searchStepSchema),
      maxSustainableRate: z.number().nullable(),
      /** Each repeat's result (version 2); `maxSustainableRate` is their median. */
      repeats: z.array(z.object({ maxSustainableRate: z.number().nullable(), steps: z.array(searchStepSchema) })).optional(),
      spread: spreadSchema.nullable().optional(),
      /** `busy-machine`: the machine was busy during the search, so its figure is not a verdict. */
      verdict: z.enum(['measured', 'busy-machine', 'none-sustainable']).optional(),
    })
    .optional(),
  sweep: sweepSchema.optional(),
  /** Growth mode: the store's cost at each stored size (benchmarks/growth). */
  growth: growthSchema.optional(),
  machine: machineLoadSchema.optional(),
  notes: z.array(z.string()),
});

export const backendEnvironmentSchema = z.object({
  name: z.string(),
  description: z.string(),
  version: z.string().nullable(),
  /** Server and client settings that change results (fsync, synchronous_commit, acks, transactions). */
  settings: z.record(z.string(), z.string()).optional(),
  /** Set when the server is an emulator: its figures say nothing about the real service. */
  emulator: z.string().nullable().optional(),
});

export const environmentSchema = z.object({
  hostname: z.string(),
  os: z.object({ type: z.string(), release: z.string(), platform: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), cores: z.number(), speedMHz: z.number() }),
  memoryBytes: z.number(),
  node: z.string(),
  /** 1, 5 and 15 minute load averages when the session started, and when it ended. */
  loadAverage: z.array(z.number()),
  loadAverageAfter: z.array(z.number()).optional(),
  /** The whole session's machine load (busy: load above the core count, or CPU steal, at some point). */
  machine: machineLoadSchema.optional(),
  /** The workbench's git commit (with `-dirty` when the working tree had changes), or null outside git. */
  gitCommit: z.string().nullable().optional(),
  packages: z.record(z.string(), z.string()),
  backends: z.array(backendEnvironmentSchema),
  settings: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
});

export const resultsSchema = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(RESULTS_SCHEMA_VERSION)]),
  startedAt: z.string(),
  finishedAt: z.string(),
  command: z.array(z.string()),
  environment: environmentSchema,
  workloads: z.array(workloadSchema),
  runs: z.array(runRecordSchema),
});

export type ResultsFile = z.infer<typeof resultsSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
export type RunSummary = z.infer<typeof summarySchema>;
export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type TimeSeriesPoint = z.infer<typeof timeSeriesPointSchema>;
export type SearchStep = z.infer<typeof searchStepSchema>;
export type SweepStep = z.infer<typeof sweepStepSchema>;
export type GrowthStep = z.infer<typeof growthStepSchema>;
export type Growth = z.infer<typeof growthSchema>;
export type SweepRepeat = z.infer<typeof sweepRepeatSchema>;
export type Sweep = z.infer<typeof sweepSchema>;
export type SaturationRule = z.infer<typeof saturationRuleSchema>;
export type ConsumerGroupStats = z.infer<typeof consumerGroupStatsSchema>;
export type Spread = z.infer<typeof spreadSchema>;
export type MachineLoad = z.infer<typeof machineLoadSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type PercentileName = z.infer<typeof percentileNameSchema>;
export type SubscriberStats = z.infer<typeof subscriberStatsSchema>;
