/** Running the JDK's and Maven's commands for the Kafka runtime, and reading what they leave behind. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export type KafkaLog = (message: string) => void;

/** Progress messages go to stderr, so that stdout stays free for a CLI's output. */
export const defaultLog: KafkaLog = (message) => process.stderr.write(`[kafka] ${message}\n`);

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

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to its end, stdout and stderr together; rejects only when it cannot be started. */
export function run(command: string, args: string[], { timeoutMs }: { timeoutMs: number }): Promise<RunResult> {
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

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
