/**
 * A real Apache Kafka broker for the labs and tests, without docker: one JVM that is broker and KRaft
 * controller at once, on two free ports of 127.0.0.1, running the jars of ./jars.ts.
 *
 * Each start gets its own run folder under `.workbench/kafka/runs/` (server.properties, broker.log). The
 * data (the KRaft log dirs) is in the run folder and goes with it on stop(), unless `dataDir` names a
 * folder that outlives the broker: then a later start finds its topics, offsets and transactions there
 * (formatted only when empty, or with `wipe`), on the same ports when they are free. `restart()` stops the
 * JVM and starts it again on the same data and ports: the drill for "the server went away".
 * When `KAFKA_BROKERS` is set, nothing is fetched or started: that broker is used and `stop()` does nothing.
 *
 * See docs/labs/kafka-broker.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts } from '../ports.ts';
import { settings } from '../settings.ts';
import { defaultLog, KafkaStartError, lastLines, run, type KafkaLog } from './commands.ts';
import { DEFAULT_WORKBENCH_DIR, fetchKafkaJars, findJava, type KafkaJars, type KafkaJarsOptions } from './jars.ts';
import { launchBrokerJvm, logProperties, removeStaleRuns, type BrokerJvm } from './jvm.ts';

/** A broker to talk to: either started here (and stopped by `stop()`) or given by `KAFKA_BROKERS`. */
export interface KafkaBroker {
  /** `host:port` strings for kafkajs' `brokers` option (join with ',' for `KAFKA_BROKERS`). */
  readonly brokers: string[];
  /** Apache Kafka version started here; `'unknown'` for a broker from `KAFKA_BROKERS`. */
  readonly version: string;
  /** For people: "Apache Kafka 4.4.0 (embedded, KRaft) on 127.0.0.1:40123" or "Kafka at … (KAFKA_BROKERS)". */
  readonly description: string;
  /** True when the broker came from `KAFKA_BROKERS` (then `stop()` is a no-op and there is no `restart`). */
  readonly external: boolean;
  /** PID of the broker's JVM, when started here (a new one after each restart). */
  readonly pid: number | undefined;
  /** The broker's log file, when started here (kept only until `stop()`, unless `keepRunDir`). */
  readonly logFile: string | undefined;
  /** The KRaft data directory, when started here: removed by `stop()` unless it was given as `dataDir`. */
  readonly dataDir: string | undefined;
  /** Milliseconds from the call of `startKafka` until the broker answered (0 for an external broker). */
  readonly startupMs: number;
  /**
   * Stops the JVM and starts it again on the same data directory and ports, `downMs` after it stopped;
   * resolves once it answers again. Absent for a broker from `KAFKA_BROKERS`.
   */
  restart?(options?: { downMs?: number }): Promise<void>;
  /** Stops the JVM (SIGTERM, then SIGKILL after `stopTimeoutMs`) and removes the run folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartKafkaOptions extends KafkaJarsOptions {
  /** Environment to read `KAFKA_BROKERS` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Maximum JVM heap, as for `-Xmx`; default `512m`. */
  heap?: string;
  /** Bound on format + JVM start + first answer (also of each restart); default 90 s (a cold JVM on 2 cores). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 15 s. */
  stopTimeoutMs?: number;
  /** Default partitions of a topic created without a count; default 3. */
  numPartitions?: number;
  /** Extra or overriding lines of server.properties (e.g. `{ 'auto.create.topics.enable': 'true' }`). */
  brokerProperties?: Readonly<Record<string, string>>;
  /** Keep the run folder (broker.log, and the data when it lives there) after `stop()`, for a post-mortem. */
  keepRunDir?: boolean;
  /**
   * A data directory that outlives the broker (e.g. `.workbench/kafka/data/lab`): formatted when empty,
   * otherwise started on as it is, so events written before a stop are there after the next start. It
   * also remembers the broker's ports and reuses them when free. Default: a fresh one, removed by stop().
   */
  dataDir?: string;
  /** With `dataDir`: delete what it holds and format it anew (a clean broker on the same folder). */
  wipe?: boolean;
  /**
   * Feature levels set when the storage is formatted (`kafka-storage format --feature name=level`), e.g.
   * `{ 'transaction.version': 0 }` for the transaction protocol before KIP-890. Default: the release's.
   */
  formatFeatures?: Readonly<Record<string, number>>;
}

/**
 * `KAFKA_BROKERS` parsed and checked: a comma-separated list of `host:port`. Undefined when unset or blank.
 * Throws on a malformed value rather than failing later with a connection error.
 */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env['KAFKA_BROKERS']?.trim();
  if (raw === undefined || raw === '') return undefined;
  const brokers = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const broker of brokers) {
    const match = /^(.+):(\d{1,5})$/.exec(broker);
    const port = match === null ? NaN : Number(match[2]);
    if (match === null || port < 1 || port > 65535) {
      throw new KafkaStartError(`KAFKA_BROKERS must be a comma-separated list of host:port, got '${raw}' ('${broker}' is not host:port).`);
    }
  }
  return brokers;
}

/**
 * Starts a single-node Kafka broker (KRaft, broker + controller in one JVM) on 127.0.0.1, or returns the
 * broker named by `KAFKA_BROKERS`. Resolves once a kafkajs admin client has seen the broker in the cluster
 * metadata; rejects with a `KafkaStartError` (holding the tail of the broker log) otherwise.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const started = Date.now();
  // The settings read once at start (labs/runtime/settings.ts), unless a caller passes an environment.
  const external = options.env ? kafkaBrokersFromEnv(options.env) : settings.kafkaBrokers && kafkaBrokersFromEnv({ KAFKA_BROKERS: settings.kafkaBrokers.join(',') });
  if (external !== undefined) {
    return {
      brokers: external,
      version: 'unknown',
      description: `Kafka at ${external.join(',')} (KAFKA_BROKERS)`,
      external: true,
      pid: undefined,
      logFile: undefined,
      dataDir: undefined,
      startupMs: 0,
      stop: async () => {},
    };
  }

  const log = options.log ?? defaultLog;
  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  const java = await findJava();
  const jars = await fetchKafkaJars(options);
  const runsDir = join(options.workbenchDir ?? DEFAULT_WORKBENCH_DIR, 'kafka', 'runs');
  await removeStaleRuns(runsDir);
  if (options.dataDir !== undefined && options.wipe === true) await rm(options.dataDir, { recursive: true, force: true });

  // A free port is found by binding port 0 and closing it; another process may take it before the JVM
  // binds it. That race is rare but real on a busy CI machine, so a bind failure gets fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBroker({ ...options, java, jars, runsDir, deadline: started + timeoutMs, timeoutMs, started, log, freshPorts: attempt > 1 });
    } catch (error) {
      const portTaken = error instanceof KafkaStartError && /Address already in use/i.test(error.logTail);
      if (!portTaken || attempt >= 3 || Date.now() >= started + timeoutMs) throw error;
      log(`A port was taken before the broker could bind it; retrying with other ports (attempt ${String(attempt + 1)}).`);
    }
  }
}

interface BrokerLaunch extends StartKafkaOptions {
  java: string;
  jars: KafkaJars;
  runsDir: string;
  deadline: number;
  timeoutMs: number;
  started: number;
  log: KafkaLog;
  /** Do not reuse the ports a persistent data directory remembers (they were taken). */
  freshPorts: boolean;
}

/** Written into a persistent data directory: the ports its broker listened on, to come back on them. */
const PORTS_FILE = 'workbench-ports.json';

async function choosePorts(dataDir: string | undefined, fresh: boolean): Promise<[number, number]> {
  if (dataDir !== undefined && !fresh) {
    try {
      const saved = JSON.parse(await readFile(join(dataDir, PORTS_FILE), 'utf8')) as { broker: number; controller: number };
      if (Number.isInteger(saved.broker) && Number.isInteger(saved.controller)) return [saved.broker, saved.controller];
    } catch {
      // no ports remembered yet
    }
  }
  const [broker, controller] = await freePorts(2);
  return [broker!, controller!];
}

/** What every broker the workbench starts (one node or a cluster's) sets for consumer groups. */
export const CONSUMER_GROUP_PROPERTIES: Record<string, string> = {
  // A lone consumer joins its group at once instead of after the default 3 s.
  'group.initial.rebalance.delay.ms': '0',
  // Consumer-group members map their lease time to the session timeout (labs/kafka/group-member.ts); the
  // suite's crash scenario uses 1.5 s, under the default floor of 6 s, which the broker would refuse.
  'group.min.session.timeout.ms': '1000',
};

async function startBroker(launch: BrokerLaunch): Promise<KafkaBroker> {
  const { java, jars, started } = launch;
  const runDir = join(launch.runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(process.pid)}-${randomBytes(3).toString('hex')}`);
  const dataDir = launch.dataDir ?? join(runDir, 'data');
  const [brokerPort, controllerPort] = await choosePorts(launch.dataDir, launch.freshPorts);
  const logFile = join(runDir, 'broker.log');
  await mkdir(runDir, { recursive: true });
  // The Node process that owns this run: while it lives the folder is not stale, even while its broker is
  // down for a restart (another process starting a broker then must not remove it).
  await writeFile(join(runDir, 'owner.pid'), String(process.pid));
  await mkdir(dataDir, { recursive: true });

  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.bootstrap.servers': `127.0.0.1:${String(controllerPort)}`,
    listeners: `PLAINTEXT://127.0.0.1:${String(brokerPort)},CONTROLLER://127.0.0.1:${String(controllerPort)}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${String(brokerPort)}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': String(launch.numPartitions ?? 3),
    // Topics are created explicitly, as an event store's setup would: a typo in a topic name is an
    // error, not a silently created empty topic.
    'auto.create.topics.enable': 'false',
    // One broker: the internal topics cannot have more replicas than that.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '3',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    ...CONSUMER_GROUP_PROPERTIES,
    ...launch.brokerProperties,
  };
  const propertiesFile = join(runDir, 'server.properties');
  await writeFile(
    propertiesFile,
    `# Written by labs/runtime/kafka/broker.ts for one broker run; removed by stop().\n${Object.entries(properties)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );
  const classpath = join(jars.libsDir, '*');

  // KRaft storage is formatted once; a data directory that already holds a cluster is started on as it is.
  // --standalone makes this node the only voter of the metadata quorum.
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const format = await run(
      java,
      // A short-lived tool: C1 only and the serial GC start faster (~0.3 s of ~2 s).
      ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', ...logProperties(runDir), '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', newClusterId(), '-c', propertiesFile,
        ...Object.entries(launch.formatFeatures ?? {}).flatMap(([name, level]) => ['--feature', `${name}=${String(level)}`])],
      { timeoutMs: Math.max(1, launch.deadline - Date.now()) },
    );
    if (format.code !== 0) {
      throw new KafkaStartError(`Formatting the KRaft storage failed (exit ${String(format.code)}).`, {
        logFile: 'kafka.tools.StorageTool output',
        logTail: lastLines(format.output, 30),
      });
    }
  }

  const brokers = [`127.0.0.1:${String(brokerPort)}`];
  const jvmLaunch = (deadline: number) => ({
    java,
    classpath,
    heap: launch.heap ?? '512m',
    runDir,
    propertiesFile,
    brokers,
    deadline,
    stopTimeoutMs: launch.stopTimeoutMs ?? 15_000,
  });
  let jvm: BrokerJvm = await launchBrokerJvm(jvmLaunch(launch.deadline));
  if (launch.dataDir !== undefined) {
    await writeFile(join(dataDir, PORTS_FILE), JSON.stringify({ broker: brokerPort, controller: controllerPort }));
  }

  let stopping: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const startupMs = Date.now() - started;
  launch.log(`Kafka ${jars.version} ready on ${brokers.join(',')} in ${(startupMs / 1000).toFixed(1)} s (pid ${String(jvm.pid)}, log ${logFile}).`);
  return {
    brokers,
    version: jars.version,
    description: `Apache Kafka ${jars.version} (embedded, KRaft) on ${brokers.join(',')}`,
    external: false,
    get pid() {
      return jvm.pid;
    },
    logFile,
    dataDir,
    startupMs,
    async restart({ downMs = 0 } = {}) {
      if (stopping) throw new Error('the Kafka broker was stopped; it cannot be restarted');
      if (restarting) return restarting;
      restarting = (async () => {
        await jvm.stop();
        // A timer that keeps the process alive: nothing else may be pending while the broker is down.
        await new Promise((resolve) => setTimeout(resolve, downMs));
        // Same properties file: same data directory, same ports (the clients' address does not change).
        jvm = await launchBrokerJvm(jvmLaunch(Date.now() + launch.timeoutMs));
        launch.log(`Kafka restarted on ${brokers.join(',')} (pid ${String(jvm.pid)}) on its data in ${dataDir}.`);
      })().finally(() => (restarting = undefined));
      return restarting;
    },
    stop() {
      stopping ??= (async () => {
        await restarting?.catch(() => {});
        await jvm.stop();
        if (launch.keepRunDir !== true) await rm(runDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding (as `kafka-storage.sh random-uuid`). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka avoids a leading '-': it reads as a command-line flag
  }
}
