/**
 * A three-node Kafka cluster on one machine: three JVMs, each broker and KRaft controller at once
 * (`controller.quorum.voters` lists all three), from the jars of ./jars.ts.
 *
 * - Safe (`safe: true`): replication factor 3, `min.insync.replicas=2`, unclean leader election off. The
 *   store's transactional writer sends with acks=all: a record is acknowledged once every in-sync replica
 *   has it, and at least two must be in sync, so a record survives the loss of any one node.
 * - Unsafe (the pitfall twin): `min.insync.replicas=1` and unclean leader election on. When the followers
 *   fall behind and drop out of the ISR, the leader alone acknowledges; if it dies, an out-of-sync
 *   follower is elected and the records only the leader had are gone (Jepsen's Kafka analysis, 2013).
 * - Replication runs on a listener of its own (REPLICATION), so that the nemesis can cut the followers'
 *   fetches from the leader (iptables on that port) without touching clients or the controllers: that is
 *   how a follower "falls behind" here. Without iptables the lag step is skipped and said so.
 * - Partition (`partitionable: true`, root and `ip netns` only): each JVM runs in a network namespace
 *   of its own (../netns.ts), listening on its node's address, and the fault cuts the leader off from the
 *   other two nodes and the clients while it keeps running. Detection and election are Kafka's (the
 *   broker session expires at the controller quorum's majority); the leader needs no fence (leader
 *   epochs: when the link heals it truncates to the new leader's log and follows). The hold-back before
 *   the fault is then an iptables rule inside the leader's namespace.
 * - Heap: 256 MB per JVM (three JVMs share this machine's cores and memory).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createNodeNetwork, iptablesAvailable, type NetworkNode, type NodeNetwork } from '../netns.ts';
import { freePorts } from '../ports.ts';
import { defaultLog, delay, KafkaStartError, lastLines, run, type KafkaLog } from './commands.ts';
import { CONSUMER_GROUP_PROPERTIES } from './broker.ts';
import { DEFAULT_WORKBENCH_DIR, fetchKafkaJars, findJava } from './jars.ts';
import { launchBrokerJvm, logProperties, removeStaleRuns, type BrokerJvm } from './jvm.ts';

export type KafkaClusterFault = 'kill' | 'pause' | 'partition';

export interface KafkaFailoverReport {
  fault: KafkaClusterFault;
  lagMs: number;
  faultAt: number;
  detectedAt: number;
  promotedAt: number;
  rebuiltAt: number;
  oldLeader: number;
  newLeader: number;
}

export interface RunningKafkaCluster {
  brokers: string[];
  description: string;
  /** The faults it can be given: a partition needs its nodes in namespaces. */
  faults: readonly KafkaClusterFault[];
  /** Faults the leader of `topic`'s partition 0; resolves once all three replicas are in sync again. */
  failover(topic: string, options: { fault: KafkaClusterFault; lagMs?: number }): Promise<KafkaFailoverReport>;
  stop(): Promise<void>;
}

interface KafkaNode {
  id: number;
  /** 127.0.0.1, or its address on the namespaced network. */
  host: string;
  /** Its node on the namespaced network, when the cluster is partitionable. */
  network?: NetworkNode;
  brokerPort: number;
  replicationPort: number;
  controllerPort: number;
  propertiesFile: string;
  jvm?: BrokerJvm;
}

const HEAP = '256m';
/** How long a fault is left before the faulted node is healed when no other replica may take over. */
const ELECTION_WAIT_MS = 15_000;

export async function startKafkaCluster(options: { safe: boolean; partitionable?: boolean; log?: KafkaLog; readyTimeoutMs?: number }): Promise<RunningKafkaCluster> {
  const log = options.log ?? defaultLog;
  const java = await findJava();
  const jars = await fetchKafkaJars({ log });
  const runsDir = join(DEFAULT_WORKBENCH_DIR, 'kafka', 'runs');
  await removeStaleRuns(runsDir);
  const runDir = join(runsDir, `cluster-${new Date().toISOString().replace(/[:.]/g, '-')}-${String(process.pid)}-${randomBytes(3).toString('hex')}`);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, 'owner.pid'), String(process.pid));
  const ports = await freePorts(9);
  let network: NodeNetwork | undefined;
  try {
    network = options.partitionable ? createNodeNetwork(3) : undefined;
  } catch (error) {
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
  const nodes: KafkaNode[] = [1, 2, 3].map((id, i) => ({
    id,
    host: network?.nodes[i]!.address ?? '127.0.0.1',
    network: network?.nodes[i],
    brokerPort: ports[i * 3]!,
    replicationPort: ports[i * 3 + 1]!,
    controllerPort: ports[i * 3 + 2]!,
    propertiesFile: join(runDir, `node-${id}`, 'server.properties'),
  }));
  const voters = nodes.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(',');
  // PITFALL(replication.acknowledged-survive-failover): with min.insync.replicas=1 (and unclean election
  // on, below) the leader alone may acknowledge, and an out-of-sync follower may then lead without it.
  const minIsr = options.safe ? '2' : '1';
  const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
  const classpath = join(jars.libsDir, '*');
  for (const node of nodes) {
    const dir = join(runDir, `node-${node.id}`);
    await mkdir(join(dir, 'data'), { recursive: true });
    const properties: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': String(node.id),
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://${node.host}:${node.brokerPort},REPLICATION://${node.host}:${node.replicationPort},CONTROLLER://${node.host}:${node.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://${node.host}:${node.brokerPort},REPLICATION://${node.host}:${node.replicationPort}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'REPLICATION',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': join(dir, 'data'),
      'num.partitions': '1',
      'auto.create.topics.enable': 'false',
      'default.replication.factor': '3',
      'min.insync.replicas': minIsr,
      'unclean.leader.election.enable': options.safe ? 'false' : 'true',
      'offsets.topic.replication.factor': '3',
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': minIsr,
      'transaction.state.log.num.partitions': '3',
      'share.coordinator.state.topic.replication.factor': '3',
      'share.coordinator.state.topic.min.isr': minIsr,
      ...CONSUMER_GROUP_PROPERTIES,
      // Failure detection in seconds rather than the defaults' 9 s (session) and 30 s (ISR lag): a drill
      // of a few minutes, on one machine where the nodes never lose packets by themselves.
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '500',
      'replica.lag.time.max.ms': '2000',
    };
    await writeFile(node.propertiesFile, `${Object.entries(properties).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
    const format = await run(
      java,
      ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', ...logProperties(dir), '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.propertiesFile],
      { timeoutMs: 120_000 },
    );
    if (format.code !== 0) {
      await rm(runDir, { recursive: true, force: true });
      network?.destroy();
      throw new KafkaStartError(`Formatting the KRaft storage of node ${node.id} failed (exit ${String(format.code)}).`, { logFile: 'StorageTool', logTail: lastLines(format.output, 30) });
    }
  }
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  const launch = (node: KafkaNode) =>
    launchBrokerJvm({
      java,
      classpath,
      heap: HEAP,
      runDir: join(runDir, `node-${node.id}`),
      propertiesFile: node.propertiesFile,
      brokers: [`${node.host}:${node.brokerPort}`],
      deadline: Date.now() + timeoutMs,
      stopTimeoutMs: 15_000,
      command: network && node.network ? (file, args) => network.command(node.network!, file, args) : undefined,
    });
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.jvm?.stop()));
    unblockAll();
    process.removeListener('exit', unblockAll);
    network?.destroy();
    await rm(runDir, { recursive: true, force: true });
  };
  // The followers' fetches from `node`: on loopback, this namespace's OUTPUT to its replication port;
  // on the namespaced network, the INPUT of the node's own namespace (the fetches cross the bridge).
  const rule = (node: KafkaNode, action: '-I' | '-D') => {
    const chain = node.network ? 'INPUT' : 'OUTPUT';
    const args = [action, chain, '-p', 'tcp', '-d', node.host, '--dport', String(node.replicationPort), '-j', 'DROP'];
    const command = network && node.network ? network.command(node.network, 'iptables', args) : { file: 'iptables', args };
    execFileSync(command.file, command.args, { stdio: 'ignore' });
  };
  const blocked: KafkaNode[] = [];
  const block = (node: KafkaNode) => {
    rule(node, '-I');
    blocked.push(node);
  };
  const unblockAll = () => {
    for (const node of blocked.splice(0)) {
      try {
        rule(node, '-D');
      } catch {
        // already removed
      }
    }
  };
  // A drill that dies while the followers are cut off must not leave the DROP rules behind.
  process.once('exit', unblockAll);
  log(`Starting a 3-node Kafka ${jars.version} cluster (KRaft, heap ${HEAP} each) …`);
  // All three at once: no node is ready before the controller quorum has a majority.
  const started = await Promise.allSettled(nodes.map(async (node) => (node.jvm = await launch(node))));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const brokers = nodes.map((n) => `${n.host}:${n.brokerPort}`);
  // Short timeouts: a paused broker accepts connections and never answers, and the failover manager
  // must not wait kafkajs' default 30 s on it to see who leads now.
  const admin = () =>
    new Kafka({ clientId: 'workbench-kafka-cluster', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1_000, requestTimeout: 2_000, retry: { retries: 2 } }).admin();
  const partitionState = async (topic: string) => {
    const a = admin();
    await a.connect();
    try {
      const metadata = await a.fetchTopicMetadata({ topics: [topic] });
      const p = metadata.topics[0]!.partitions.find((x) => x.partitionId === 0)!;
      return { leader: p.leader, isr: p.isr };
    } finally {
      await a.disconnect().catch(() => {});
    }
  };
  const lagAvailable = iptablesAvailable();
  let stopped = false;
  return {
    brokers,
    description: `Apache Kafka ${jars.version}, 3 KRaft nodes (${options.safe ? 'RF 3, min.insync.replicas=2, unclean election off' : 'RF 3, min.insync.replicas=1, unclean election on'}) on ${brokers.join(',')}${network ? `, each in a network namespace of its own on ${network.subnet}` : ''}`,
    faults: network ? ['kill', 'pause', 'partition'] : ['kill', 'pause'],
    async failover(topic, { fault, lagMs = 0 }) {
      if (stopped) throw new Error('the Kafka cluster was stopped');
      if (fault === 'partition' && !network) throw new Error('this Kafka cluster was not started partitionable (its nodes share one network namespace)');
      const before = await partitionState(topic);
      const leader = nodes.find((n) => n.id === before.leader)!;
      const pid = leader.jvm?.pid;
      if (pid === undefined) throw new Error(`node ${leader.id} is not running`);
      const effectiveLag = lagAvailable ? lagMs : 0;
      if (effectiveLag > 0) {
        // The followers cannot fetch from the leader: they fall out of the ISR after replica.lag.time.max.ms.
        block(leader);
        await delay(effectiveLag);
      }
      const faultAt = Date.now();
      if (fault === 'partition') network!.partition(leader.network!);
      else process.kill(pid, fault === 'kill' ? 'SIGKILL' : 'SIGSTOP');
      // Detection and election are Kafka's own (broker session timeout, the controller's election). With
      // unclean election off and no other replica in sync, no one may lead until the old leader is back:
      // the partition stays offline (unavailable, not lost) and the node is healed after ELECTION_WAIT_MS.
      let detectedAt = 0;
      let now = before;
      let healed = false;
      const heal = async () => {
        if (healed) return;
        healed = true;
        unblockAll();
        if (fault === 'kill') {
          await leader.jvm?.stop();
          leader.jvm = await launch(leader);
        } else if (fault === 'partition') {
          network!.heal(leader.network!);
        } else {
          process.kill(pid, 'SIGCONT');
        }
      };
      for (const deadline = Date.now() + 180_000; ; await delay(200)) {
        now = await partitionState(topic).catch(() => now);
        if (now.leader >= 0 && (now.leader !== leader.id || healed)) break;
        if (!detectedAt && (now.leader < 0 || !now.isr.includes(leader.id))) detectedAt = Date.now();
        if (!healed && Date.now() - faultAt > ELECTION_WAIT_MS) await heal();
        if (Date.now() > deadline) throw new KafkaStartError(`no leader for ${topic} within 180 s of the fault`);
      }
      const promotedAt = Date.now();
      detectedAt ||= promotedAt;
      await heal();
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await delay(250)) {
        const state = await partitionState(topic).catch(() => undefined);
        if (state && state.isr.length === 3) break;
      }
      return { fault, lagMs: effectiveLag, faultAt, detectedAt, promotedAt, rebuiltAt: Date.now(), oldLeader: leader.id, newLeader: now.leader };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}
