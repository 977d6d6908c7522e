/**
 * How long the events topic keeps records, as the broker says (DescribeConfigs), not as the code hopes.
 * A topic created without `retention.ms` inherits the broker's `log.retention.*` — 7 days by default —
 * and loses every older event, whatever the application thinks it wrote to a "log". The lab's topology
 * sets `retention.ms=-1` and `retention.bytes=-1`; its naive twin keeps the broker's default (its lesson).
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { RetentionPolicy } from '../core/index.ts';

// kafkajs is CommonJS and this enum is not among the names Node finds for an ESM named import.
const { ConfigResourceTypes } = kafkajs;

export async function describeTopicRetention(admin: Admin, topic: string): Promise<RetentionPolicy> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy'] }],
    includeSynonyms: false,
  });
  const entries = resources[0]?.configEntries ?? [];
  const entry = (name: string) => entries.find((e) => e.configName === name);
  const ms = Number(entry('retention.ms')?.configValue ?? NaN);
  const bytes = Number(entry('retention.bytes')?.configValue ?? NaN);
  const policy = entry('cleanup.policy')?.configValue ?? '';
  const describe = (name: string) => {
    const e = entry(name);
    return e ? `${name}=${e.configValue}${e.isDefault ? " (the broker's default)" : ''}` : `${name} unknown`;
  };
  const compacts = policy.split(',').includes('compact');
  return {
    // Compaction keeps only each key's latest record: on a log keyed by stream id that loses events too.
    keepsEventsForever: ms === -1 && bytes === -1 && !compacts,
    ...(ms > 0 ? { maxAgeMs: ms } : {}),
    ...(bytes > 0 ? { maxBytes: bytes } : {}),
    source: `topic ${topic}: ${describe('retention.ms')}, ${describe('retention.bytes')}, ${describe('cleanup.policy')}`,
  };
}
