/**
 * The no-op backend: the in-memory store of targets/noop-store.ts as a backend definition, so that it
 * runs beside the real ones and measures the harness's own cost.
 */
import type { BackendDefinition } from '../../labs/backends.ts';
import { NoopEventStore } from '../targets/noop-store.ts';
import type { Workload } from '../workloads/workload.ts';

export const NOOP_BACKEND: BackendDefinition = {
  name: 'noop',
  title: 'No-op (in memory, measures the harness)',
  server: 'none',
  embedded: true,
  async start() {
    return {
      description: 'in-process, in memory, no I/O',
      env: {},
      createStore: async () => new NoopEventStore(),
      stop: async () => {},
    };
  },
};

/** Whether a workload reads back what it appended (reads, subscriptions, prepared data). */
export function readsStoredEvents(workload: Workload): boolean {
  return workload.prepare !== undefined || workload.mix.readStream > 0 || workload.mix.readAll > 0 || workload.subscribers > 0;
}
