/**
 * The other process of a cross-process scenario: `child.ts <backend> <task>`, with the server's variables
 * in its environment. It opens a store of its own, runs one task of labs/conformance/child-tasks.ts with
 * the arguments it receives over IPC, and sends back progress and the result.
 */
import { backendByName } from '../backends.ts';
import type { JsonValue } from '../core/index.ts';
import { childTasks } from '../conformance/child-tasks.ts';

const [backendName, taskName] = process.argv.slice(2);
const definition = backendName ? backendByName(backendName) : undefined;
const task = taskName ? childTasks[taskName] : undefined;
const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.once('message', async (raw) => {
  const { args } = raw as { args: JsonValue };
  try {
    if (!definition || !task) throw new Error(`unknown backend '${backendName}' or task '${taskName}'`);
    const running = await definition.start();
    const store = await running.createStore();
    try {
      // SIGTERM is the parent's "stop now, cleanly" (a member leaving its group); SIGKILL is the crash.
      const stop = new AbortController();
      process.once('SIGTERM', () => stop.abort());
      const result = await task(store, args, (message) => void send({ kind: 'progress', message }), stop.signal);
      await send({ kind: 'result', result });
    } finally {
      await store.close();
    }
  } catch (error) {
    await send({ kind: 'error', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  process.disconnect();
  process.exit(0);
});
