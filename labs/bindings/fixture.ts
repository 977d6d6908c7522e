/**
 * What a binding offers the scenarios beyond a store factory: restarting the server (when its runtime
 * can) and running tasks in other OS processes, each with a store of its own on the same server.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '../core/index.ts';
import type { ChildProcess, ChildProcesses, FixtureExtras } from '../conformance/index.ts';
import type { BackendDefinition, RunningBackend } from '../runtime/backend.ts';

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

export function fixtureExtras(definition: BackendDefinition, running: RunningBackend): FixtureExtras {
  return {
    restartServer: running.restart?.bind(running),
    cannotRestartBecause: running.restart
      ? undefined
      : `the ${definition.title} server of this run cannot be restarted on its data from here (${running.description})`,
    processes: childProcesses(definition, running),
    failover: running.cluster ? async () => void (await running.cluster!.failover({ fault: 'kill' })) : undefined,
    cannotFailOverBecause: running.cluster
      ? undefined
      : definition.cluster
        ? `this ${definition.title} run joined a cluster another process started: only that process can fail it over`
        : `${definition.title} runs one node here: there is no replica to fail over to`,
    unsupportedScenarios: definition.unsupportedScenarios,
  };
}

type ChildMessage = { kind: 'progress'; message: JsonValue } | { kind: 'result'; result: JsonValue } | { kind: 'error'; error: string };

export function childProcesses(definition: BackendDefinition, running: RunningBackend): ChildProcesses {
  return {
    start(task: string, args: JsonValue): ChildProcess {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD_ENTRY, definition.name, task], {
        // The child reaches the same server through the same variables the test run exports.
        env: { ...process.env, ...running.env },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
      const listeners: ((message: JsonValue) => void)[] = [];
      let settle: { resolve: (v: JsonValue) => void; reject: (e: Error) => void };
      const result = new Promise<JsonValue>((resolve, reject) => (settle = { resolve, reject }));
      result.catch(() => {}); // a killed child's rejection is expected; callers who await it still see it
      const exited = new Promise<void>((resolve) => {
        child.on('exit', (code, signal) => {
          settle.reject(new Error(`child ${task} exited (${signal ?? `code ${code}`}) without a result. ${stderr.trim()}`));
          resolve();
        });
      });
      child.on('message', (raw) => {
        const message = raw as ChildMessage;
        if (message.kind === 'progress') listeners.forEach((l) => l(message.message));
        else if (message.kind === 'result') settle.resolve(message.result);
        else settle.reject(new Error(`child ${task} failed: ${message.error}`));
      });
      child.send({ args });
      return {
        result,
        exited,
        onProgress: (listener) => listeners.push(listener),
        kill: () => child.kill('SIGKILL'),
        stop: () => child.kill('SIGTERM'),
      };
    },
  };
}
