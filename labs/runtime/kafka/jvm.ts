/**
 * The broker's JVM as a process: launching it with its properties file, waiting until a kafkajs admin
 * sees it, stopping it (SIGTERM, then SIGKILL), and clearing run folders of brokers that are gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { delay, describe, KafkaStartError, lastLines, readText } from './commands.ts';

const LOG4J2_FILE = join(dirname(fileURLToPath(import.meta.url)), 'log4j2.xml');
/** kafka-server-start.sh's GC settings; the heap is small on purpose (labs, 2-core CI machines). */
const JVM_FLAGS = ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'];

/** System properties that send the JVM's log4j2 output to `<runDir>/broker.log`. */
export function logProperties(runDir: string): string[] {
  return [`-Dlog4j2.configurationFile=${LOG4J2_FILE}`, `-Dkafka.logs.dir=${runDir}`];
}

export interface JvmLaunch {
  java: string;
  classpath: string;
  heap: string;
  runDir: string;
  propertiesFile: string;
  brokers: string[];
  /** Epoch ms by which the broker must answer. */
  deadline: number;
  /** Runs the JVM through this (a network namespace's nsenter, which execs: the pid stays the JVM's). */
  command?(file: string, args: string[]): { file: string; args: string[] };
  stopTimeoutMs: number;
}

/** A running broker JVM. */
export interface BrokerJvm {
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the JVM and resolves once it answers; on failure kills it and throws a KafkaStartError with the
 * tail of its logs (the run folder is kept: its broker.log is the evidence).
 */
export async function launchBrokerJvm(launch: JvmLaunch): Promise<BrokerJvm> {
  const { runDir } = launch;
  const logFile = join(runDir, 'broker.log');
  const jvmOutFile = join(runDir, 'jvm.out');
  const jvmOut = openSync(jvmOutFile, 'a');
  let child: ChildProcess;
  try {
    const args = ['-Xms128m', `-Xmx${launch.heap}`, ...JVM_FLAGS, ...logProperties(runDir), '-cp', launch.classpath, 'kafka.Kafka', launch.propertiesFile];
    const command = launch.command?.(launch.java, args) ?? { file: launch.java, args };
    child = spawn(command.file, command.args, { cwd: runDir, stdio: ['ignore', jvmOut, jvmOut] });
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
        const stopped = await Promise.race([exited.then(() => true), delay(launch.stopTimeoutMs).then(() => false)]);
        if (!stopped) {
          child.kill('SIGKILL');
          await Promise.race([exited, delay(5_000)]);
        }
      }
      process.removeListener('exit', killOnExit);
    })();
    return stopping;
  };

  try {
    await waitUntilReady(launch.brokers, exited, launch.deadline);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await Promise.race([exited, delay(5_000)]);
    }
    process.removeListener('exit', killOnExit);
    const reason =
      error instanceof ExitedEarly
        ? `The Kafka broker JVM exited (${String(error.exit)}) before it was ready.`
        : `The Kafka broker was not ready in time (${describe(error)}).`;
    const tail = [lastLines(await readText(jvmOutFile), 20), lastLines(await readText(logFile), 40)].filter((text) => text !== '').join('\n');
    throw new KafkaStartError(`${reason} Run folder: ${runDir}`, { logFile, logTail: tail });
  }
  return { pid: child.pid, stop };
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

/**
 * Removes run folders left by a broker that is gone (a process killed before its stop()). A folder whose
 * JVM is still alive belongs to another run and is kept; so is a young folder without a PID yet.
 */
export async function removeStaleRuns(runsDir: string): Promise<void> {
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
    // A broker down for a restart has no live JVM, but its owner lives: not stale.
    const owner = Number((await readText(join(dir, 'owner.pid'))).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) continue;
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

