/**
 * Workloads are data (benchmarks/workloads/*.json or *.yaml), validated once here. A workload says what
 * to do and how hard; the command line may override the load (rate, duration, …) but not the shape.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import { CAPABILITIES } from '../../labs/core/index.ts';

export const WORKLOADS_DIR = fileURLToPath(new URL('./', import.meta.url));

const positiveInt = z.number().int().min(1);

export const workloadSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    /** Relative weights of the operation kinds; each operation's kind is drawn with a seeded generator. */
    mix: z
      .object({
        append: z.number().min(0).default(0),
        readStream: z.number().min(0).default(0),
        readAll: z.number().min(0).default(0),
      })
      .strict()
      .refine((m) => m.append + m.readStream + m.readAll > 0, 'at least one operation kind needs a weight > 0'),
    /** Open loop: intended operations per second. */
    rate: z.number().positive(),
    durationSeconds: z.number().positive(),
    /** Operations intended to start before this are run but excluded from every result. */
    warmupSeconds: z.number().min(0).default(0),
    /** Appends go to one of this many streams, chosen uniformly at random. */
    streams: positiveInt,
    eventsPerAppend: positiveInt,
    /** Approximate size of one event as JSON (type, data, metadata). */
    eventSizeBytes: z.number().int().min(0).max(1024 * 1024),
    /** Open loop: most operations in flight at once. When reached, send delay grows (and is reported). */
    maxInFlight: positiveInt,
    /** Closed loop: concurrent workers, each starting its next operation when the last one ends. */
    concurrency: positiveInt.default(8),
    /** `any`: no concurrency check. `tracked`: each append expects the last version this run saw. */
    expectedVersion: z.enum(['any', 'tracked']).default('any'),
    subscribers: z.number().int().min(0).default(0),
    /** `live`: subscribed before the appends start (measures lag). `backlog`: started after, timed while draining. */
    subscriberMode: z.enum(['live', 'backlog']).default('live'),
    /**
     * Live subscribers: the cost of handling one event (a projection writing its read model), awaited
     * per event, one event at a time. Above the writers' pace, lag and backlog grow: the slow consumer.
     */
    handlerCostMs: z.number().min(0).max(10_000).default(0),
    /** Subscription buffer (events read ahead of the handler); the store's bound on what piles up in memory. */
    subscriberBufferSize: positiveInt.default(1000),
    /** Backlog mode: how long the paused subscriber may take to drain; live mode: to deliver the tail after the writes. */
    drainTimeoutSeconds: z.number().positive().default(60),
    /**
     * Consumer-group workloads: the live subscribers are members of ONE consumer group, each an OS process
     * of its own (as instances of a service are), sharing the work; one run per member count listed.
     */
    groupMembers: z.array(positiveInt).min(1).optional(),
    /** Consumer groups: SIGKILL one member this many seconds after the first append (runs with 2+ members): the takeover pause. */
    killMemberAtSeconds: z.number().positive().optional(),
    /** Consumer groups: a dead member's partitions are taken over once its lease is this old. */
    groupLeaseMs: z.number().int().min(100).default(2_000),
    /** Consumer groups: partitions of the streams, the unit of ownership and of parallelism within a member. */
    groupPartitions: positiveInt.default(8),
    /** Consumer groups: the handler's cost is `wait` (I/O: members add nothing a member's partitions do not) or `cpu` (members add cores). */
    handlerKind: z.enum(['wait', 'cpu']).default('wait'),
    /** Events written before the measured phase, for the read workloads. */
    prepare: z.object({ streams: positiveInt, eventsPerStream: positiveInt }).strict().optional(),
    readPageSize: positiveInt.default(500),
    /** Capabilities the workload needs; a backend that declares one unsupported is skipped with its reason. */
    requires: z.array(z.enum(CAPABILITIES)).default([]),
    /** Seed of the generator that picks operation kinds and streams: runs are repeatable. */
    seed: z.number().int().default(1),
  })
  .strict()
  .refine((w) => w.warmupSeconds < w.durationSeconds, { message: 'warmupSeconds must be less than durationSeconds', path: ['warmupSeconds'] })
  .refine((w) => w.mix.readStream === 0 || w.prepare !== undefined, { message: 'readStream needs `prepare`', path: ['prepare'] })
  .refine((w) => w.groupMembers === undefined || w.requires.includes('consumer-groups'), { message: 'a consumer-group workload requires consumer-groups', path: ['requires'] });

/**
 * One workload per member count of a consumer-group workload (same name: its runs are told apart by
 * `groupMembers`); any other workload as it is.
 */
export function groupVariants(workload: Workload): Workload[] {
  if (!workload.groupMembers || workload.groupMembers.length <= 1) return [workload];
  return workload.groupMembers.map((n) => ({ ...workload, groupMembers: [n], subscribers: n }));
}

export type Workload = z.infer<typeof workloadSchema>;
export type WorkloadInput = z.input<typeof workloadSchema>;

export type OperationKind = 'append' | 'readStream' | 'readAll';

export function parseWorkload(input: unknown, source = 'workload'): Workload {
  const parsed = workloadSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid ${source}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export async function loadWorkloadFile(path: string): Promise<Workload> {
  const text = await readFile(path, 'utf8');
  const data: unknown = extname(path) === '.json' ? JSON.parse(text) : YAML.parse(text);
  return parseWorkload(data, path);
}

/** Every workload in benchmarks/workloads, in a stable order. */
export async function loadWorkloads(dir = WORKLOADS_DIR): Promise<Workload[]> {
  const files = (await readdir(dir)).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();
  const workloads = await Promise.all(files.map((f) => loadWorkloadFile(join(dir, f))));
  const order = ['append-single', 'append-batched', 'append-contended', 'read-stream', 'read-all', 'subscription-lag', 'slow-consumer', 'fast-consumer', 'backlog-drain', 'consumer-group'];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return workloads.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Command-line overrides of the load (never of the shape). */
export interface LoadOverrides {
  rate?: number;
  durationSeconds?: number;
  warmupSeconds?: number;
  maxInFlight?: number;
  concurrency?: number;
}

export function withOverrides(workload: Workload, overrides: LoadOverrides): Workload {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged = { ...workload, ...defined };
  if (merged.warmupSeconds >= merged.durationSeconds) merged.warmupSeconds = Math.min(merged.warmupSeconds, merged.durationSeconds / 4);
  return parseWorkload(merged, `workload ${workload.name} with overrides`);
}

/** Small deterministic generator (mulberry32): the same seed picks the same kinds and streams. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickKind(mix: Workload['mix'], random: () => number): OperationKind {
  const total = mix.append + mix.readStream + mix.readAll;
  let r = random() * total;
  if ((r -= mix.append) < 0) return 'append';
  if ((r -= mix.readStream) < 0) return 'readStream';
  return 'readAll';
}
