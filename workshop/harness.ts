/**
 * What the checker needs from a backend, whatever the backend: a real server, and for each check an
 * isolated place (PostgreSQL: a fresh schema) where the learner's schema is applied and their store is
 * created. Also: loading the learner's store module and saying plainly what is wrong when it cannot load.
 */
import { pathToFileURL } from 'node:url';
import type { EventStore, EventStoreFactory } from '../labs/core/index.ts';

/** Where the code under check lives: the learner's `work/`, a copy of it, or a reference solution. */
export interface LearnerCode {
  /** For people: `workshop/postgres/work/`. */
  label: string;
  /** Absolute path of each of the path's files (`store.ts` -> /…/work/store.ts). */
  files: Record<string, string>;
}

export interface PreparedCheck {
  /** For people: `schema ws_05_3fa2c1`. */
  where: string;
  createStore: EventStoreFactory;
  /** Removes what `prepare` created (the schema and its tables). */
  dispose(): Promise<void>;
}

export interface WorkshopHarness {
  /** `embedded PostgreSQL on 127.0.0.1:54012`. */
  description: string;
  /** Points a child process at this same server (the watch mode's checks). */
  env: Record<string, string>;
  /** Throws LearnerCodeError when the learner's files cannot be applied or loaded. */
  prepare(code: LearnerCode, stepId: string): Promise<PreparedCheck>;
  stop(): Promise<void>;
}

/** The learner's code could not even be loaded or applied: no scenario ran. */
export class LearnerCodeError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'LearnerCodeError';
  }
}

export type CreateStore = (connection: string) => Promise<EventStore>;

let imports = 0;

/**
 * Imports the learner's store module and returns its `createStore`. Every call imports it afresh (a
 * query string defeats Node's module cache), so a process that checks twice sees the edited file. Files
 * it imports in turn are cached; the CLI runs each check in a fresh process anyway.
 */
export async function loadCreateStore(file: string): Promise<CreateStore> {
  let loaded: unknown;
  try {
    loaded = await import(`${pathToFileURL(file).href}?check=${++imports}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LearnerCodeError(file, `could not be loaded: ${message}`);
  }
  const createStore = (loaded as { createStore?: unknown }).createStore;
  if (typeof createStore !== 'function') {
    throw new LearnerCodeError(file, 'does not export a function createStore(connection) (keep the export the starter file has)');
  }
  return createStore as CreateStore;
}

/**
 * Imports another of the learner's modules afresh (see loadCreateStore) and checks it exports the named
 * functions: a missing one is a LearnerCodeError naming it.
 */
export async function loadLearnerModule<T>(file: string, functions: readonly string[]): Promise<T> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(`${pathToFileURL(file).href}?check=${++imports}`)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LearnerCodeError(file, `could not be loaded: ${message}`);
  }
  const missing = functions.filter((name) => typeof loaded[name] !== 'function');
  if (missing.length > 0) throw new LearnerCodeError(file, `does not export ${missing.join(', ')} (keep the exports the starter file has)`);
  return loaded as T;
}
