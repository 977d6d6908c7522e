/**
 * A real Apache Kafka broker for the labs and tests, without docker.
 *
 * The broker is the official `org.apache.kafka:kafka_2.13` jar and its runtime dependencies, fetched
 * once with Maven from `labs/runtime/kafka/pom.xml` into `.workbench/kafka/<version>/libs` (git-ignored;
 * Maven keeps its own copy in ~/.m2). Each start gets its own run folder under `.workbench/kafka/runs/`
 * (server.properties, KRaft data, broker.log), formats the storage, starts one JVM that is broker and
 * controller at once on two free ports of 127.0.0.1, and waits until a kafkajs admin client sees it.
 * When `KAFKA_BROKERS` is set, nothing is fetched or started: that broker is used and `stop()` does nothing.
 *
 * See docs/labs/kafka-broker.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { freePorts } from './ports.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

/** The Apache Kafka release started here: the newest 4.x that kafkajs 2.2.4 was checked against. */
export const KAFKA_VERSION = '4.4.0';

const here = dirname(fileURLToPath(import.meta.url));
const POM_FILE = join(here, 'kafka', 'pom.xml');
const LOG4J2_FILE = join(here, 'kafka', 'log4j2.xml');
const DEFAULT_WORKBENCH_DIR = join(here, '..', '..', '.workbench');
/** Written last into a libs folder: its presence means the folder is complete for that pom. */
const CACHE_STAMP = '.workbench-complete';
/** kafka-server-start.sh's GC settings; the heap is small on purpose (labs, 2-core CI machines). */
const JVM_FLAGS = ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'];

export type KafkaLog = (message: string) => void;

/** A broker to talk to: either started here (and stopped by `stop()`) or given by `KAFKA_BROKERS`. */
export interface KafkaBroker {
  /** `host:port` strings for kafkajs' `brokers` option (join with ',' for `KAFKA_BROKERS`). */
  readonly brokers: string[];
  /** Apache Kafka version started here; `'unknown'` for a broker from `KAFKA_BROKERS`. */
  readonly version: string;
  /** For people: "Apache Kafka 4.4.0 (embedded, KRaft) on 127.0.0.1:40123" or "Kafka at … (KAFKA_BROKERS)". */
  readonly description: string;
  /** True when the broker came from `KAFKA_BROKERS` (then `stop()` is a no-op). */
  readonly external: boolean;
  /** PID of the broker's JVM, when started here. */
  readonly pid: number | undefined;
  /** The broker's log file, when started here (kept only until `stop()`, unless `keepRunDir`). */
  readonly logFile: string | undefined;
  /** Milliseconds from the call of `startKafka` until the broker answered (0 for an external broker). */
  readonly startupMs: number;
  /** Stops the JVM (SIGTERM, then SIGKILL after `stopTimeoutMs`) and removes the run folder. Idempotent. */
  stop(): Promise<void>;
}

export interface KafkaJarsOptions {
  /** Apache Kafka version to fetch; default `KAFKA_VERSION`. */
  version?: string;
  /** Root of the git-ignored cache; default `<repo>/.workbench`. */
  workbenchDir?: string;
  /** Progress messages; default: to stderr (stdout stays free for a CLI's output). */
  log?: KafkaLog;
}

export interface KafkaJars {
  version: string;
  /** Folder holding every jar of the broker's classpath. */
  libsDir: string;
  /** True when Maven ran now; false when the cache was complete. */
  fetched: boolean;
  jarCount: number;
  durationMs: number;
}

export interface StartKafkaOptions extends KafkaJarsOptions {
  /** Environment to read `KAFKA_BROKERS` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Maximum JVM heap, as for `-Xmx`; default `512m`. */
  heap?: string;
  /** Bound on format + JVM start + first answer; default 90 s (a cold JVM on a 2-core CI machine). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 15 s. */
  stopTimeoutMs?: number;
  /** Default partitions of a topic created without a count; default 3. */
  numPartitions?: number;
  /** Extra or overriding lines of server.properties (e.g. `{ 'auto.create.topics.enable': 'true' }`). */
  brokerProperties?: Readonly<Record<string, string>>;
  /** Keep the run folder (data and broker.log) after `stop()`, for a post-mortem. */
  keepRunDir?: boolean;
}

/** The broker could not be fetched, started or reached. The message says why; `logTail` shows the broker's last words. */
export class KafkaStartError extends Error {
  readonly logFile: string | undefined;
  readonly logTail: string;

  constructor(message: string, details: { logFile?: string; logTail?: string; cause?: unknown } = {}) {
    const tail = details.logTail?.trim() ?? '';
    super(
      tail === '' ? message : `${message}\n--- last lines of ${details.logFile ?? 'the broker output'} ---\n${tail}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = new.target.name;
    this.logFile = details.logFile;
    this.logTail = tail;
  }
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

const defaultLog: KafkaLog = (message) => process.stderr.write(`[kafka] ${message}\n`);

// One fetch per cache folder per process, so a lab and a test starting together share it.
const fetchesInFlight = new Map<string, Promise<KafkaJars>>();

/**
 * Makes sure the broker's jars are in `<workbenchDir>/kafka/<version>/libs`, running Maven when they are not
 * (or when the pom changed since). Safe against a concurrent fetch by another process: Maven writes to a
 * private folder that is renamed into place at the end.
 */
export function fetchKafkaJars(options: KafkaJarsOptions = {}): Promise<KafkaJars> {
  const version = options.version ?? KAFKA_VERSION;
  const workbenchDir = options.workbenchDir ?? DEFAULT_WORKBENCH_DIR;
  const libsDir = join(workbenchDir, 'kafka', version, 'libs');
  const inFlight = fetchesInFlight.get(libsDir);
  if (inFlight !== undefined) return inFlight;
  const fetching = fetchJars(version, libsDir, options.log ?? defaultLog).finally(() => fetchesInFlight.delete(libsDir));
  fetchesInFlight.set(libsDir, fetching);
  return fetching;
}

async function fetchJars(version: string, libsDir: string, log: KafkaLog): Promise<KafkaJars> {
  const started = Date.now();
  // The stamp names the pom's content, so editing the pom (a new dependency) refetches.
  const pomHash = createHash('sha256').update(await readFile(POM_FILE)).update(version).digest('hex');
  const cached = await readStamp(libsDir);
  if (cached === pomHash) {
    return { version, libsDir, fetched: false, jarCount: await countJars(libsDir), durationMs: Date.now() - started };
  }

  log(`Fetching Apache Kafka ${version} jars with Maven (first run only)… → ${libsDir}`);
  const partialDir = `${libsDir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(dirname(libsDir), { recursive: true });
  const mvn = await run(
    'mvn',
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      POM_FILE,
      'dependency:copy-dependencies',
      `-Dkafka.version=${version}`,
      `-Dkafka.libs.dir=${partialDir}`,
    ],
    { timeoutMs: 10 * 60_000 },
  ).catch((error: unknown) => {
    throw new KafkaStartError(`Could not run Maven ('mvn') to fetch the Kafka broker: ${describe(error)}. Install Maven 3.8+ or set KAFKA_BROKERS.`, { cause: error });
  });
  if (mvn.code !== 0) {
    await rm(partialDir, { recursive: true, force: true });
    throw new KafkaStartError(`Maven failed (exit ${String(mvn.code)}) fetching org.apache.kafka:kafka_2.13:${version}.`, {
      logFile: 'mvn output',
      logTail: lastLines(mvn.output, 30),
    });
  }
  const jarCount = await countJars(partialDir);
  if (jarCount === 0) {
    await rm(partialDir, { recursive: true, force: true });
    throw new KafkaStartError(`Maven succeeded but copied no jar into ${partialDir}.`, { logFile: 'mvn output', logTail: lastLines(mvn.output, 30) });
  }
  await writeFile(join(partialDir, CACHE_STAMP), pomHash);

  // Replace an outdated folder; if another process won the race meanwhile, keep its (identical) result.
  if (cached !== undefined) await rm(libsDir, { recursive: true, force: true });
  try {
    await rename(partialDir, libsDir);
  } catch (error) {
    await rm(partialDir, { recursive: true, force: true });
    if ((await readStamp(libsDir)) !== pomHash) throw error;
  }
  const durationMs = Date.now() - started;
  log(`Fetched ${jarCount} jars in ${(durationMs / 1000).toFixed(1)} s.`);
  return { version, libsDir, fetched: true, jarCount, durationMs };
}

async function readStamp(libsDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(libsDir, CACHE_STAMP), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function countJars(dir: string): Promise<number> {
  return (await readdir(dir)).filter((name) => name.endsWith('.jar')).length;
}

/**
 * Starts a single-node Kafka broker (KRaft, broker + controller in one JVM) on 127.0.0.1, or returns the
 * broker named by `KAFKA_BROKERS`. Resolves once a kafkajs admin client has seen the broker in the cluster
 * metadata; rejects with a `KafkaStartError` (holding the tail of the broker log) otherwise.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const started = Date.now();
  const external = kafkaBrokersFromEnv(options.env ?? process.env);
  if (external !== undefined) {
    return {
      brokers: external,
      version: 'unknown',
      description: `Kafka at ${external.join(',')} (KAFKA_BROKERS)`,
      external: true,
      pid: undefined,
      logFile: undefined,
      startupMs: 0,
      stop: async () => {},
    };
  }

  const log = options.log ?? defaultLog;
  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  const deadline = started + timeoutMs;
  const java = await findJava();
  const jars = await fetchKafkaJars(options);
  const workbenchDir = options.workbenchDir ?? DEFAULT_WORKBENCH_DIR;
  const runsDir = join(workbenchDir, 'kafka', 'runs');
  await removeStaleRuns(runsDir);

  // A free port is found by binding port 0 and closing it; another process may take it before the JVM
  // binds it. That race is rare but real on a busy CI machine, so a bind failure gets fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBroker({ ...options, java, jars, runsDir, deadline, timeoutMs, started, log });
    } catch (error) {
      const portTaken = error instanceof KafkaStartError && /Address already in use/i.test(error.logTail);
      if (!portTaken || attempt >= 3 || Date.now() >= deadline) throw error;
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
}

async function startBroker(launch: BrokerLaunch): Promise<KafkaBroker> {
  const { java, jars, deadline, started } = launch;
  const [brokerPort, controllerPort] = await freePorts(2);
  const runDir = join(launch.runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(process.pid)}-${randomBytes(3).toString('hex')}`);
  const dataDir = join(runDir, 'data');
  const logFile = join(runDir, 'broker.log');
  const jvmOutFile = join(runDir, 'jvm.out');
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
    // A lone consumer joins its group at once instead of after the default 3 s.
    'group.initial.rebalance.delay.ms': '0',
    ...launch.brokerProperties,
  };
  const propertiesFile = join(runDir, 'server.properties');
  await writeFile(
    propertiesFile,
    `# Written by labs/runtime/kafka.ts for one broker start; removed by stop().\n${Object.entries(properties)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );

  const classpath = join(jars.libsDir, '*');
  const heap = launch.heap ?? '512m';
  const logProps = [`-Dlog4j2.configurationFile=${LOG4J2_FILE}`, `-Dkafka.logs.dir=${runDir}`];
  const tail = async (): Promise<string> =>
    [lastLines(await readText(jvmOutFile), 20), lastLines(await readText(logFile), 40)].filter((text) => text !== '').join('\n');

  // KRaft storage must be formatted once; --standalone makes this node the only voter of the metadata quorum.
  const format = await run(
    java,
    // A short-lived tool: C1 only and the serial GC start faster (~0.3 s of ~2 s).
    ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', ...logProps, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', newClusterId(), '-c', propertiesFile],
    { timeoutMs: Math.max(1, deadline - Date.now()) },
  );
  if (format.code !== 0) {
    throw new KafkaStartError(`Formatting the KRaft storage failed (exit ${String(format.code)}).`, {
      logFile: 'kafka.tools.StorageTool output',
      logTail: lastLines(format.output, 30),
    });
  }

  const jvmOut = openSync(jvmOutFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      java,
      ['-Xms128m', `-Xmx${heap}`, ...JVM_FLAGS, ...logProps, '-cp', classpath, 'kafka.Kafka', propertiesFile],
      { cwd: runDir, stdio: ['ignore', jvmOut, jvmOut] },
    );
  } finally {
    closeSync(jvmOut); // the child has its own copy of the descriptor
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(`spawn error: ${error.message}`));
  });
  // If this process exits without calling stop() (a crashed test), the broker must not outlive it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  if (child.pid !== undefined) await writeFile(join(runDir, 'java.pid'), String(child.pid));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), delay(launch.stopTimeoutMs ?? 15_000).then(() => false)]);
        if (!stopped) {
          child.kill('SIGKILL');
          await Promise.race([exited, delay(5_000)]);
        }
      }
      process.removeListener('exit', killOnExit);
      if (launch.keepRunDir !== true) await rm(runDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const brokers = [`127.0.0.1:${String(brokerPort)}`];
  try {
    await waitUntilReady(brokers, exited, deadline);
  } catch (error) {
    // Keep the run folder: its broker.log is the evidence.
    await stopKeeping(child, exited);
    process.removeListener('exit', killOnExit);
    const reason = error instanceof ExitedEarly ? `The Kafka broker JVM exited (${String(error.exit)}) before it was ready.` : `The Kafka broker was not ready within ${String(launch.timeoutMs)} ms (${describe(error)}).`;
    throw new KafkaStartError(`${reason} Run folder: ${runDir}`, { logFile, logTail: await tail() });
  }

  const startupMs = Date.now() - started;
  launch.log(`Kafka ${jars.version} ready on ${brokers.join(',')} in ${(startupMs / 1000).toFixed(1)} s (pid ${String(child.pid)}, log ${logFile}).`);
  return {
    brokers,
    version: jars.version,
    description: `Apache Kafka ${jars.version} (embedded, KRaft) on ${brokers.join(',')}`,
    external: false,
    pid: child.pid,
    logFile,
    startupMs,
    stop,
  };
}

class ExitedEarly extends Error {
  constructor(readonly exit: number | string) {
    super(`broker exited: ${String(exit)}`);
  }
}

/** Polls with a silenced kafkajs admin until the broker lists itself in the cluster metadata. */
async function waitUntilReady(brokers: string[], exited: Promise<number | string>, deadline: number): Promise<void> {
  let exit: number | string | undefined;
  void exited.then((value) => {
    exit = value;
  });
  let lastError: unknown = new Error('no attempt made');
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new ExitedEarly(exit);
    // Connection refused is expected while the JVM boots, so kafkajs' own logging is off here.
    const admin = new Kafka({
      clientId: 'workbench-kafka-readiness',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return;
      lastError = new Error('the cluster metadata lists no broker or no controller yet');
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await delay(250);
  }
  if (exit !== undefined) throw new ExitedEarly(exit);
  throw lastError;
}

async function stopKeeping(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await Promise.race([exited, delay(5_000)]);
}

/**
 * Removes run folders left by a broker that is gone (a process killed before its stop()). A folder whose
 * JVM is still alive belongs to another run and is kept; so is a young folder without a PID yet.
 */
async function removeStaleRuns(runsDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(runsDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(runsDir, entry);
    const pidText = await readText(join(dir, 'java.pid'));
    const pid = Number(pidText.trim());
    const alive = pidText !== '' && Number.isInteger(pid) && pid > 0 && isAlive(pid);
    if (alive) continue;
    if (pidText === '') {
      const age = await stat(dir).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age < 10 * 60_000) continue;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `$JAVA_HOME/bin/java` or `java` on the PATH, checked to be Java 17+ (Kafka 4 brokers need it). */
async function findJava(): Promise<string> {
  const javaHome = process.env['JAVA_HOME'];
  const java = javaHome !== undefined && javaHome !== '' && existsSync(join(javaHome, 'bin', 'java')) ? join(javaHome, 'bin', 'java') : 'java';
  const result = await run(java, ['-version'], { timeoutMs: 30_000 }).catch((error: unknown) => {
    throw new KafkaStartError(`Java is needed to run the Kafka broker and '${java}' could not be run: ${describe(error)}. Install a JDK 17+ or set KAFKA_BROKERS.`, { cause: error });
  });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.output);
  const major = match === null ? NaN : Number(match[1] === '1' ? match[2] : match[1]);
  if (result.code !== 0 || !(major >= 17)) {
    throw new KafkaStartError(`Kafka ${KAFKA_VERSION} needs Java 17 or newer; '${java} -version' says: ${result.output.trim().split('\n')[0] ?? '(nothing)'}.`);
  }
  return java;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding (as `kafka-storage.sh random-uuid`). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka avoids a leading '-': it reads as a command-line flag
  }
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to its end, stdout and stderr together; rejects only when it cannot be started. */
function run(command: string, args: string[], { timeoutMs }: { timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => {
      chunks.push(Buffer.from(`\n[killed after ${String(timeoutMs)} ms]\n`));
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
