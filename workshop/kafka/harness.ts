/**
 * The Kafka harness: one broker (KAFKA_BROKERS, or one started from the jars by labs/kafka/backend.ts)
 * for a whole session of checks, and for every check a fresh topic namespace with a unique name
 * (`ws-05-3fa2c1`): its events topic (1 partition) and snapshots topic (compacted) are created before the
 * check; afterwards the process's tails are closed and the topics and the namespace's consumer groups
 * (checkpoints) are deleted. One kafkajs admin client serves every check of the session.
 */
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { BackendUnavailableError } from '../../labs/core/index.ts';
import { backendByName } from '../../labs/backends.ts';
import { createKafka, ensureTopics, topologyFor } from '../../labs/kafka/index.ts';
import { LearnerCodeError, loadCreateStore, type LearnerCode, type WorkshopHarness } from '../harness.ts';
import { formatConnection } from './connection.ts';
import { KafkaLog } from './plumbing.ts';

export async function startKafkaHarness(log?: (line: string) => void): Promise<WorkshopHarness> {
  // The backend's own start (labs/kafka/backend.ts): a broker from the jars, or KAFKA_BROKERS when set.
  const running = await backendByName('kafka')!.start(log);
  const broker = { description: running.description, brokers: running.env.KAFKA_BROKERS!.split(','), stop: () => running.stop() };
  const admin = createKafka(broker.brokers, 'workshop-harness').admin();
  try {
    await admin.connect(); // KAFKA_BROKERS may point at nothing
    await admin.listTopics();
  } catch (error) {
    await admin.disconnect().catch(() => {});
    await broker.stop();
    throw new BackendUnavailableError('kafka', `cannot reach ${broker.description}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    description: broker.description,
    env: { KAFKA_BROKERS: broker.brokers.join(',') },
    async prepare(code: LearnerCode, stepId: string) {
      const storeFile = code.files['store.ts']!;
      await access(storeFile).catch(() => {
        throw new LearnerCodeError(storeFile, 'is missing (npm run workshop -- reset kafka restores the starter file)');
      });
      const namespace = `ws-${stepId}-${randomBytes(3).toString('hex')}`;
      const topology = topologyFor(namespace);
      await ensureTopics(admin, topology.specs);
      const dispose = async () => {
        await KafkaLog.closeAll(); // the tails read these topics: they go first
        await admin.deleteTopics({ topics: topology.specs.map((s) => s.topic), timeout: 10_000 }).catch(() => {});
        const groups = await admin.listGroups().catch(() => ({ groups: [] }));
        const ours = groups.groups.map((g) => g.groupId).filter((id) => id.startsWith(`${namespace}.`));
        if (ours.length > 0) await admin.deleteGroups(ours).catch(() => {});
      };
      let createStore;
      try {
        createStore = await loadCreateStore(storeFile);
      } catch (error) {
        await dispose();
        throw error;
      }
      const connection = formatConnection({ brokers: broker.brokers, namespace });
      return { where: `topics ${namespace}.*`, createStore: () => createStore(connection), dispose };
    },
    async stop() {
      await KafkaLog.closeAll();
      await admin.disconnect().catch(() => {});
      await broker.stop();
    },
  };
}
