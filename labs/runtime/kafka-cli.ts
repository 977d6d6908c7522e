/**
 * npx tsx labs/runtime/kafka-cli.ts fetch                            download the broker's jars into .workbench (CI does this first)
 * npx tsx labs/runtime/kafka-cli.ts start [--data-dir DIR [--wipe]]  start a broker and keep it running until Ctrl-C
 *
 * With `--data-dir`, the broker keeps its data in DIR after Ctrl-C, and the next `start --data-dir DIR`
 * comes back on it (same ports when free); `--wipe` empties DIR first.
 *
 * `start` prints `KAFKA_BROKERS=127.0.0.1:<port>` on stdout; export it in another terminal and the labs
 * and tests use that broker instead of starting their own. Progress goes to stderr.
 */
import { resolve } from 'node:path';
import { fetchKafkaJars, KafkaStartError, startKafka } from './kafka.ts';

const usage = 'usage: tsx labs/runtime/kafka-cli.ts fetch | start [--data-dir DIR [--wipe]]';

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'fetch': {
      const jars = await fetchKafkaJars();
      const how = jars.fetched ? `fetched in ${(jars.durationMs / 1000).toFixed(1)} s` : 'already cached';
      process.stdout.write(`Apache Kafka ${jars.version}: ${String(jars.jarCount)} jars ${how} in ${jars.libsDir}\n`);
      return 0;
    }
    case 'start': {
      const dataDirAt = args.indexOf('--data-dir');
      const dataDir = dataDirAt >= 0 ? args[dataDirAt + 1] : undefined;
      const known = new Set(['--data-dir', '--wipe', ...(dataDir === undefined ? [] : [dataDir])]);
      if ((dataDirAt >= 0 && (dataDir === undefined || dataDir.startsWith('--'))) || args.some((a) => !known.has(a)) || (args.includes('--wipe') && dataDir === undefined)) {
        process.stderr.write(`${usage}\n`);
        return 2;
      }
      const broker = await startKafka({ dataDir: dataDir === undefined ? undefined : resolve(dataDir), wipe: args.includes('--wipe') });
      if (broker.external) {
        process.stdout.write(`KAFKA_BROKERS is set (${broker.brokers.join(',')}): nothing to start.\n`);
        return 0;
      }
      process.stdout.write(`KAFKA_BROKERS=${broker.brokers.join(',')}\n`);
      process.stderr.write(`Apache Kafka ${broker.version}, pid ${String(broker.pid)}, log ${String(broker.logFile)}, data ${String(broker.dataDir)}${dataDir === undefined ? ' (removed on stop)' : ' (kept)'}. Ctrl-C stops it.\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      process.stderr.write('Stopping the broker…\n');
      await broker.stop();
      return 0;
    }
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof KafkaStartError ? error.message : String(error instanceof Error ? error.stack : error)}\n`);
    process.exitCode = 1;
  },
);
