/** Where a pitfall twin's lesson is in its source, for the lab's "look at: file:line". */
import { existsSync, readFileSync } from 'node:fs';
import type { ScenarioId } from './conformance/index.ts';
import type { BackendDefinition } from './runtime/backend.ts';

/** Where a pitfall is: the line marked `PITFALL(<scenario id>)` in the naive store's sources. */
export function pitfallLocation(backend: BackendDefinition, id: ScenarioId): string | undefined {
  const sources = backend.pitfallSource ? [backend.pitfallSource].flat() : [];
  for (const source of sources) {
    const file = new URL(`../${source}`, import.meta.url);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    const index = lines.findIndex((line) => new RegExp(`PITFALL\\([^)]*\\b${id.replace(/\./g, '\\.')}\\b`).test(line));
    if (index >= 0) return `${source}:${index + 1}`;
  }
  return undefined;
}
