/**
 * Apache Kafka as production runs it: three KRaft nodes (labs/runtime/kafka/cluster.ts) and the lab's
 * store, whose transactional writer sends with acks=all. Two backends: replication factor 3 with
 * min.insync.replicas=2 and unclean leader election off, and the pitfall twin with
 * min.insync.replicas=1 and unclean leader election on.
 */
import type { BackendDefinition } from '../../runtime/backend.ts';
import { settings } from '../../runtime/settings.ts';

/**
 * Before each fault the followers' fetches from the leader are dropped (iptables, on the replication
 * listener) for this long: past replica.lag.time.max.ms (2 s), so they leave the ISR. With
 * min.insync.replicas=1 the leader then acknowledges alone for the remaining ~4 s; with 2 it refuses
 * (NOT_ENOUGH_REPLICAS), and Kafka 4's eligible leader replicas (KIP-966) keep the followers electable.
 */
const LAG_BEFORE_FAULT_MS = 6_000;

function clusterBackend(safe: boolean): BackendDefinition {
  return {
    name: safe ? 'kafka-cluster' : 'kafka-cluster-unsafe',
    title: safe ? 'Apache Kafka, 3 nodes, min.insync.replicas=2' : 'Apache Kafka, 3 nodes, min.insync.replicas=1 + unclean leader election (pitfall demo)',
    // The same jars and JDK as the single broker: unavailable when it is. Each run starts its own cluster.
    server: 'kafka',
    embedded: true,
    cluster: {
      nodes: 3,
      faults: ['kill', 'pause', 'partition'],
      durability: safe
        ? 'replication factor 3, min.insync.replicas=2, acks=all, unclean.leader.election.enable=false: an acknowledged record is on at least two nodes, and only an in-sync replica may lead'
        : 'replication factor 3, min.insync.replicas=1, unclean.leader.election.enable=true: the leader alone may acknowledge, and an out-of-sync replica may lead',
    },
    caveats: [
      'three JVMs (256 MB heap each) share one machine and its cores: no network between them',
      `before each fault the followers' replication fetches are dropped for ${LAG_BEFORE_FAULT_MS} ms (iptables; skipped without it)`,
    ],
    ...(safe
      ? { pitfall: 'kafka-cluster-unsafe' }
      : {
          pitfallSource: 'labs/runtime/kafka/cluster.ts',
          // Flaky, not expected: the loss needs appends acknowledged by the lone leader in the seconds
          // between the ISR shrinking and the kill. The store's transactional writer rarely gets one:
          // the coordinator's transaction markers reach the leader on the same inter-broker listener
          // the nemesis cuts, so commits stall too unless the coordinator is the leader (drills here:
          // 0 appends acknowledged in that window on 3 runs, 1 lost append on 1 of them).
          flakyUnderLoad: {
            'replication.acknowledged-survive-failover':
              'min.insync.replicas=1 lets the leader acknowledge alone once its followers lag; unclean election then hands the partition to a follower without those records: lost only when an append was acknowledged in that window',
          },
        }),
    // Through the one writer role the store's appends wait their turn: several writer processes take it
    // from each other. Fine for a drill; the single broker's lesson says why.
    async start(log, startOptions) {
      const { KafkaEventStore, closeKafkaViews } = await import('../kafka-store.ts');
      const joined = settings.kafkaClusterBrokers;
      if (joined) {
        return {
          description: `Kafka cluster at ${joined.join(',')} (KAFKA_CLUSTER_BROKERS)`,
          env: { KAFKA_CLUSTER_BROKERS: joined.join(',') },
          createStore: () => KafkaEventStore.connect({ brokers: joined }),
          stop: () => closeKafkaViews(),
        };
      }
      const { startKafkaCluster } = await import('../../runtime/kafka.ts');
      const { topologyFor } = await import('../topology.ts');
      const { DEFAULT_NAMESPACE } = await import('../kafka-store.ts');
      const cluster = await startKafkaCluster({ safe, partitionable: startOptions?.partitionable, log });
      const events = topologyFor(DEFAULT_NAMESPACE).events;
      return {
        description: cluster.description,
        env: { KAFKA_CLUSTER_BROKERS: cluster.brokers.join(',') },
        createStore: () => KafkaEventStore.connect({ brokers: cluster.brokers }),
        cluster: {
          faults: cluster.faults,
          failover: ({ fault }) => cluster.failover(events, { fault, lagMs: LAG_BEFORE_FAULT_MS }),
        },
        stop: async () => {
          await closeKafkaViews();
          await cluster.stop();
        },
      };
    },
  };
}

export const kafkaClusterBackend = clusterBackend(true);
export const kafkaClusterUnsafeBackend = clusterBackend(false);
