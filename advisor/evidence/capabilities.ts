// The conformance results (docs/capabilities.json) as the advisor reads them. The advisor keeps no copy
// of the suite's scenario list: every id in the file is read, so scenarios added to the suite show up
// without a change here (scenario-ids.unit.spec.ts ties the ids the knowledge cites to the suite).
import { z } from 'zod';
import type { LabBackend, ScenarioId } from '../knowledge/types.ts';

const scenarioStatus = z.enum(['pass', 'fail', 'unsupported', 'skipped']);
export type ScenarioStatus = z.infer<typeof scenarioStatus>;

const scenarioResult = z.object({ id: z.string().regex(/^[a-z]+\.[a-z0-9-]+$/), status: scenarioStatus, detail: z.string().optional().default('') });
const backendResult = z.object({ backend: z.string(), title: z.string().optional(), scenarios: z.array(z.unknown()), caveats: z.array(z.string()).optional() });
const capabilitiesFile = z.object({ generatedAt: z.string(), backends: z.array(z.unknown()) });

export interface ScenarioOutcome {
  status: ScenarioStatus;
  detail: string;
}

/**
 * Keyed by the matrix column: a lab technology (`postgres`) or one of its other configurations
 * (`postgres-cluster`, a pitfall twin), as a lab source's `configuration` names them.
 */
export interface Capabilities {
  generatedAt: string;
  results: Partial<Record<LabBackend | (string & {}), Partial<Record<ScenarioId, ScenarioOutcome>>>>;
  /** "What a pass does not tell", per column, as the matrix states it. */
  caveats: Partial<Record<LabBackend | (string & {}), string[]>>;
  /** Each column's title, as the matrix heads it ("DynamoDB API on dynalite (a local emulator, not AWS)"). */
  titles: Partial<Record<LabBackend | (string & {}), string>>;
}

export function parseCapabilities(raw: unknown): Capabilities | null {
  const file = capabilitiesFile.safeParse(raw);
  if (!file.success) return null;
  const results: Capabilities['results'] = {};
  const caveats: Capabilities['caveats'] = {};
  const titles: Capabilities['titles'] = {};
  for (const entry of file.data.backends) {
    const backend = backendResult.safeParse(entry);
    if (!backend.success) continue;
    const scenarios: Partial<Record<ScenarioId, ScenarioOutcome>> = {};
    for (const s of backend.data.scenarios) {
      const parsed = scenarioResult.safeParse(s);
      if (parsed.success) scenarios[parsed.data.id as ScenarioId] = { status: parsed.data.status, detail: parsed.data.detail };
    }
    results[backend.data.backend] = scenarios;
    if (backend.data.caveats?.length) caveats[backend.data.backend] = backend.data.caveats;
    if (backend.data.title) titles[backend.data.backend] = backend.data.title;
  }
  return { generatedAt: file.data.generatedAt, results, caveats, titles };
}

/**
 * Which capability (labs/core/capabilities.ts names) a scenario checks. A caveat names capabilities
 * ("optimistic-concurrency and idempotent-append are emulated by the store …"), so this is how a caveat
 * finds the scenarios whose pass it qualifies. Scenarios of the same family share a capability.
 */
const CAPABILITY_OF_SCENARIO: readonly [RegExp, string][] = [
  [/^append\.(expected-version|stream-exists-and-any|concurrent-writers.*)$/, 'optimistic-concurrency'],
  [/^append\.idempotent$/, 'idempotent-append'],
  [/^read\.all-/, 'global-order'],
  [/^read\.stream-backward$/, 'read-backward'],
  [/^subscribe\./, 'subscriptions'],
];

export interface ScenarioCaveat {
  text: string;
  /** The lab emulates the capability (its pass shows the emulation works, not that the product has it). */
  emulated: boolean;
}

export function caveatsFor(capabilities: Capabilities | null, backend: LabBackend | (string & {}), scenario: ScenarioId): ScenarioCaveat[] {
  const capability = CAPABILITY_OF_SCENARIO.find(([re]) => re.test(scenario))?.[1];
  if (!capability) return [];
  return (capabilities?.caveats[backend] ?? [])
    .filter((text) => text.includes(capability))
    .map((text) => ({ text, emulated: /emulat/i.test(text) }));
}
