/**
 * The Kafka store's open time against the size of its log, measured on its own (issue #24): the store's
 * log view replays the whole events topic into its in-process index when a process first opens it.
 *
 *   KAFKA_BROKERS=… npx tsx benchmarks/growth/kafka-replay.ts fill 1000000   the growth fill (./kafka.ts)
 *   KAFKA_BROKERS=… npx tsx benchmarks/growth/kafka-replay.ts disk           the log's segment bytes (./kafka.ts disk())
 *   KAFKA_BROKERS=… npx tsx benchmarks/growth/kafka-replay.ts open           open a store: replay rate, memory
 *
 * `open` prints one JSON line: events, replay seconds, events/s (and per CPU second), and the heap and RSS the view holds per
 * event (measured after a forced GC when node runs with --expose-gc).
 */
import { closeKafkaViews, KafkaEventStore } from '../../labs/kafka/index.ts';
import { kafkaFiller } from './kafka.ts';

const brokers = process.env.KAFKA_BROKERS?.split(',');
if (!brokers) throw new Error('KAFKA_BROKERS is not set: start a broker (npx tsx labs/runtime/kafka-cli.ts start) and export it');

const gc = (globalThis as { gc?: () => void }).gc;
const memory = () => {
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
};

async function main(command: string | undefined, arg: string | undefined): Promise<void> {
  if (command === 'fill') {
    const storage = await kafkaFiller.store({ KAFKA_BROKERS: brokers!.join(',') });
    const total = Number(arg);
    const before = await storage.count();
    const t0 = performance.now();
    let last = 0;
    await storage.fill(total, {
      prefix: `replay-${Date.now()}-`,
      signal: new AbortController().signal,
      onProgress: (written) => {
        if (written - last >= 100_000 || written === total) {
          last = written;
          process.stderr.write(`filled ${written.toLocaleString('en-US')} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
        }
      },
    });
    console.log(JSON.stringify({ before, after: await storage.count(), seconds: (performance.now() - t0) / 1000 }));
    await storage.close();
    return;
  }
  if (command === 'disk') {
    const storage = await kafkaFiller.store({ KAFKA_BROKERS: brokers!.join(',') });
    console.log(JSON.stringify({ events: await storage.count(), ...(await storage.disk()) }));
    await storage.close();
    return;
  }
  if (command === 'open') {
    const m0 = memory();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const store = await KafkaEventStore.connect({ brokers: brokers! });
    const seconds = (performance.now() - t0) / 1000;
    // CPU time says more than wall time on a shared machine: the replay is CPU-bound in this process.
    const cpu = process.cpuUsage(cpu0);
    const m1 = memory();
    const { events, streams, replayMs } = store.viewStats();
    console.log(
      JSON.stringify({
        events,
        streams,
        openSeconds: Number(seconds.toFixed(2)),
        replayMs,
        eventsPerSecond: Math.round(events / seconds),
        cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        eventsPerCpuSecond: Math.round(events / ((cpu.user + cpu.system) / 1e6)),
        heapBytesPerEvent: events ? Math.round((m1.heapUsed - m0.heapUsed) / events) : null,
        rssBytesPerEvent: events ? Math.round((m1.rss - m0.rss) / events) : null,
        rssMiB: Math.round(m1.rss / 2 ** 20),
      }),
    );
    await store.close();
    await closeKafkaViews();
    return;
  }
  throw new Error('usage: kafka-replay.ts fill <events> | disk | open');
}

await main(process.argv[2], process.argv[3]);
