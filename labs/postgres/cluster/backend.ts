/**
 * PostgreSQL as production runs it: a primary and a streaming standby, on one machine
 * (labs/runtime/postgres/cluster.ts), and the lab's store reaching whichever node is primary. Two
 * backends: the synchronous standby (an acknowledged append is on both nodes) and its pitfall twin, the
 * asynchronous standby (an acknowledged append may exist on the primary only, and die with it).
 */
import type { BackendDefinition } from '../../runtime/backend.ts';
import { startPostgresCluster } from '../../runtime/postgres/cluster.ts';
import { settings } from '../../runtime/settings.ts';

/**
 * Before each fault the primary's WAL sender is held for this long (SIGSTOP): replication falls behind
 * as it does on a slow link or under a burst. It is what makes the asynchronous twin's loss show on
 * most drills rather than only when a kill happens to land in the few milliseconds of normal lag; the
 * synchronous standby gets the same treatment and its commits wait instead.
 */
const LAG_BEFORE_FAULT_MS = 500;

function clusterBackend(synchronous: boolean): BackendDefinition {
  return {
    name: synchronous ? 'postgres-cluster' : 'postgres-cluster-async',
    title: synchronous ? 'PostgreSQL, primary + synchronous standby' : 'PostgreSQL, primary + asynchronous standby (pitfall demo)',
    // The same embedded binaries as the single node: unavailable when it is. Each run starts a cluster of
    // its own (a failover drill on a server other tests share would break them).
    server: 'postgres',
    embedded: true,
    cluster: {
      nodes: 2,
      faults: ['kill', 'pause', 'partition'],
      durability: synchronous
        ? "synchronous_standby_names = 'standby', synchronous_commit = on: a commit is acknowledged once the standby has flushed it"
        : 'no synchronous standby: a commit is acknowledged once the primary alone has flushed it',
    },
    caveats: [
      'both nodes share one machine: no network latency between them, and a synchronous commit costs a local round trip only',
      'node-postgres takes one host, so clients reach the primary through a small proxy that the failover manager repoints (HAProxy in front of Patroni does the same); libpq would use host=a,b target_session_attrs=read-write',
      `before each fault the primary's WAL sender is held for ${LAG_BEFORE_FAULT_MS} ms (a lagging replication link)`,
    ],
    ...(synchronous
      ? { pitfall: 'postgres-cluster-async' }
      : {
          pitfallSource: 'labs/runtime/postgres/cluster.ts',
          expectedFailures: {
            'replication.acknowledged-survive-failover':
              'the primary acknowledges a commit once it alone has flushed it: what the standby had not received when the primary died is gone',
          },
        }),
    async start(log, startOptions) {
      const { PostgresEventStore, migrate } = await import('../postgres-store.ts');
      const joined = settings.postgresClusterUrl;
      if (joined) {
        // A writer process of a drill: the cluster belongs to the process that started it.
        return {
          description: `PostgreSQL cluster at ${joined.replace(/:[^:@/]+@/, ':***@')} (POSTGRES_CLUSTER_URL)`,
          env: { POSTGRES_CLUSTER_URL: joined },
          createStore: () => PostgresEventStore.connect({ connectionString: joined, migrate: false }),
          stop: async () => {},
        };
      }
      const cluster = await startPostgresCluster({ synchronous, partitionable: startOptions?.partitionable, log });
      try {
        await migrate(cluster.connectionString);
      } catch (error) {
        await cluster.stop();
        throw error;
      }
      return {
        description: cluster.description,
        env: { POSTGRES_CLUSTER_URL: cluster.connectionString },
        createStore: () => PostgresEventStore.connect({ connectionString: cluster.connectionString, migrate: false }),
        cluster: {
          faults: cluster.faults,
          failover: ({ fault }) => cluster.failover({ fault, lagMs: LAG_BEFORE_FAULT_MS }),
        },
        stop: () => cluster.stop(),
      };
    },
  };
}

export const postgresClusterBackend = clusterBackend(true);
export const postgresClusterAsyncBackend = clusterBackend(false);
