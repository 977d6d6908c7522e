/**
 * The subscribers a workload measures, on the global log. Live ones start at its current end before the
 * clock starts and record each event's lag (append start -> delivery); with a handler cost they are the
 * slow consumer: each event is handled, one at a time, before the next is taken from the subscription,
 * so what the store reads ahead waits in the subscription's bounded buffer. A backlog one starts after
 * the writes and is timed while it drains.
 * Backlog = events acknowledged to writers − events delivered to the slowest subscriber.
 */
import type { RecordedEvent, Subscription } from '../../labs/core/index.ts';
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';

interface Subscriber {
  subscription: Subscription;
  delivered: number;
  done: Promise<void>;
}

export interface SubscriberGroupOptions {
  target: BenchTarget;
  workload: Workload;
  runId: string;
  now: () => number;
  /** Waits `ms` (the handler's cost). */
  wait: (ms: number) => Promise<void>;
  /** Told each delivered event's lag: when its append started, and when it was handled. */
  onLag: (sentMs: number, deliveredMs: number) => void;
}

/** What a run needs of its live or backlog subscribers (this file's group, or a consumer group's members). */
export interface LiveSubscribers {
  readonly count: number;
  readonly acknowledgedEvents: number;
  acknowledge(events: number): void;
  backlog(): number;
  bufferStats(): { maxBuffered: number; bufferSize: number };
  markStart(): Promise<void>;
  start(): void;
  caughtUp(): Promise<void>;
  close(): Promise<string[]>;
}

export class SubscriberGroup implements LiveSubscribers {
  private readonly subscribers: Subscriber[] = [];
  private acknowledged = 0;
  private startAfter: bigint | undefined;

  constructor(private readonly options: SubscriberGroupOptions) {}

  get count(): number {
    return this.subscribers.length;
  }

  /** Events the writers got acknowledged. */
  get acknowledgedEvents(): number {
    return this.acknowledged;
  }

  acknowledge(events: number): void {
    this.acknowledged += events;
  }

  backlog(): number {
    if (this.subscribers.length === 0) return 0;
    return Math.max(0, this.acknowledged - Math.min(...this.subscribers.map((s) => s.delivered)));
  }

  /** The most events any subscription held in its buffer, and the bound it was given. */
  bufferStats(): { maxBuffered: number; bufferSize: number } {
    return {
      maxBuffered: Math.max(0, ...this.subscribers.map((s) => s.subscription.stats.maxBuffered)),
      bufferSize: this.options.workload.subscriberBufferSize,
    };
  }

  /** Remembers where the log ends now: subscribers read only what comes after. */
  async markStart(): Promise<void> {
    const head = this.options.target.head ? await this.options.target.head() : 0n;
    this.startAfter = head === 0n ? undefined : head;
  }

  start(): void {
    const { target, workload, runId, now, wait, onLag } = this.options;
    const cost = workload.handlerCostMs;
    const live = workload.subscriberMode === 'live';
    for (let i = 0; i < workload.subscribers; i++) {
      const subscription = target.subscribeToAll!(this.startAfter, workload.subscriberBufferSize);
      const sub: Subscriber = { subscription, delivered: 0, done: Promise.resolve() };
      const handle = (event: RecordedEvent): void => {
        const data = event.data as { run?: unknown; sentAt?: unknown } | null;
        if (data === null || typeof data !== 'object' || data.run !== runId) return;
        sub.delivered++;
        if (live && typeof data.sentAt === 'number') onLag(data.sentAt, now());
      };
      sub.done = (async () => {
        for await (const event of subscription) {
          // The handler's cost comes first: the event counts as delivered once handled.
          if (cost > 0) await wait(cost);
          handle(event);
        }
      })();
      this.subscribers.push(sub);
    }
  }

  caughtUp(): Promise<void> {
    return Promise.all(this.subscribers.map((s) => s.subscription.caughtUp)).then(() => undefined);
  }

  /** Closes every subscription and waits for its loop; returns the failures. */
  async close(): Promise<string[]> {
    await Promise.all(this.subscribers.map((s) => s.subscription.close().catch(() => {})));
    const failures: string[] = [];
    await Promise.all(this.subscribers.map((s) => s.done.catch((e: unknown) => failures.push(`subscriber failed: ${String(e)}`))));
    return failures;
  }
}
