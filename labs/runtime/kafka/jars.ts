/**
 * The Kafka broker's jars and the JDK that runs them. The broker is the official
 * `org.apache.kafka:kafka_2.13` jar and its runtime dependencies, fetched once with Maven from
 * `labs/runtime/kafka/pom.xml` into `.workbench/kafka/<version>/libs` (git-ignored; Maven keeps its own copy
 * in ~/.m2). See docs/labs/kafka-broker.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultLog, describe, KafkaStartError, lastLines, run, type KafkaLog } from './commands.ts';

/** The Apache Kafka release started here: the newest 4.x that kafkajs 2.2.4 was checked against. */
export const KAFKA_VERSION = '4.4.0';

const here = dirname(fileURLToPath(import.meta.url));
const POM_FILE = join(here, 'pom.xml');
export const DEFAULT_WORKBENCH_DIR = join(here, '..', '..', '..', '.workbench');
/** Written last into a libs folder: its presence means the folder is complete for that pom. */
const CACHE_STAMP = '.workbench-complete';

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

/** `$JAVA_HOME/bin/java` or `java` on the PATH, checked to be Java 17+ (Kafka 4 brokers need it). */
export async function findJava(): Promise<string> {
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
