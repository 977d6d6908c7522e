/**
 * One writer process of a failover drill: `writer.ts <backend>`, with the cluster's variables in its
 * environment. It appends until told to stop, each event with an id of its own, and sends back what
 * happened to every event and every attempt, for the checker.
 *
 * An attempt that fails for want of a server is retried with the same event id and the same expected
 * version: the store answers an exact retry of an append that did commit with its original result, so a
 * retry never stores an event twice (a duplicate would be a finding). A WrongExpectedVersionError is a
 * refusal: the event is recorded as refused and the stream's version re-read.
 */
import { randomUUID } from 'node:crypto';
import { backendByName } from '../../labs/backends.ts';
import { WrongExpectedVersionError, type ExpectedVersion } from '../../labs/core/index.ts';
import type { WriterReport, WriterStart } from './records.ts';

const definition = backendByName(process.argv[2] ?? '');
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let stopping = false;

// The drill's process is gone (Ctrl-C, a crash): nobody will read this writer's report.
process.on('disconnect', () => process.exit(0));
process.on('message', (raw) => {
  const message = raw as { start?: WriterStart; stop?: true };
  if (message.stop) stopping = true;
  if (message.start) void run(message.start);
});

async function run({ writer, streams, mode }: WriterStart): Promise<void> {
  const report: WriterReport = { writer, events: [], attempts: [] };
  try {
    if (!definition) throw new Error(`unknown backend '${process.argv[2]}'`);
    const running = await definition.start();
    const store = await running.createStore();
    const versions = new Map<string, number>();
    process.send!({ ready: true });
    for (let seq = 0; !stopping; seq++) {
      const streamId = streams[seq % streams.length]!;
      const id = randomUUID();
      const known = versions.get(streamId);
      const expectedVersion: ExpectedVersion = mode === 'any' ? 'any' : (known ?? 'no_stream');
      for (;;) {
        const start = Date.now();
        try {
          const result = await store.appendToStream(streamId, [{ id, type: 'DrillAppended', data: { writer, seq } }], { expectedVersion });
          report.attempts.push([start, Date.now(), 1]);
          report.events.push([id, 'acknowledged', Date.now()]);
          versions.set(streamId, result.nextExpectedVersion);
          break;
        } catch (error) {
          report.attempts.push([start, Date.now(), 0]);
          if (error instanceof WrongExpectedVersionError) {
            report.events.push([id, 'refused', Date.now()]);
            const stored = await store.readStream(streamId, { direction: 'backward', maxCount: 1 }).catch(() => []);
            if (stored[0]) versions.set(streamId, stored[0].streamVersion);
            break;
          }
          if (stopping) {
            report.events.push([id, 'indeterminate', Date.now()]);
            break;
          }
          await delay(50);
        }
      }
    }
    await store.close();
    await running.stop();
  } catch (error) {
    report.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  process.send!({ report }, () => process.exit(0));
}
