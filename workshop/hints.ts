/**
 * Hints chosen by what fails. Every hint file names the scenarios it helps with on its first line,
 *   <!-- scenarios: append.new-stream, read.stream-forward -->
 *   <!-- scenarios: append.new-stream; when: does not exist -->
 * (an HTML comment: invisible where the markdown is rendered). `when` narrows a hint to failures whose
 * message matches (a regular expression): the hint about the table is for "relation … does not exist",
 * not for every failure of append.new-stream. The next hint is the first unseen one that helps with a
 * scenario failing in the learner's last check; the hints of one scenario are ordered from a nudge to
 * the answer, so asking again escalates. With nothing failing on record (no check yet), hints
 * come in file order. When no unseen hint helps with what fails, the learner is pointed at the step's
 * solution (`npm run workshop -- solution <path> <step> --diff`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { hintFiles } from './layout.ts';
import type { WorkshopPath, WorkshopStep } from './steps.ts';

export interface Hint {
  /** 1-based, the file's number: hints/2.md is hint 2. */
  number: number;
  file: string;
  /** The first heading: `Appending`. */
  title: string;
  /** The scenarios this hint helps with. */
  scenarios: string[];
  /** Only for failures whose message matches this. */
  when?: RegExp;
  /** The markdown, without the scenarios line. */
  body: string;
}

const SCENARIOS_LINE = /^<!--\s*scenarios:\s*([^;>]*?)\s*(?:;\s*when:\s*(.*?)\s*)?-->\s*\n?/;

export function parseHint(number: number, file: string, text: string): Hint {
  const match = SCENARIOS_LINE.exec(text);
  const scenarios = match ? match[1]!.split(/[\s,]+/).filter(Boolean) : [];
  const when = match?.[2] ? new RegExp(match[2], 'i') : undefined;
  const body = match ? text.slice(match[0].length) : text;
  const title = /^#+\s*(.+)$/m.exec(body)?.[1]?.trim() ?? `hint ${number}`;
  return { number, file, title, scenarios, when, body };
}

/** A scenario that failed, and the words it failed with (they choose between hints with `when`). */
export interface Failing {
  scenario: string;
  message?: string;
}

function helps(hint: Hint, failing: Failing): boolean {
  if (!hint.scenarios.includes(failing.scenario)) return false;
  return !hint.when || hint.when.test(failing.message ?? '');
}

export function loadHints(path: WorkshopPath, step: WorkshopStep, workshopDir?: string): Hint[] {
  return hintFiles(path, step, workshopDir).map((file) => parseHint(parseInt(basename(file), 10), file, readFileSync(file, 'utf8')));
}

/**
 * The hint to show next: the first unseen hint for a failing scenario (in the order the scenarios
 * failed), else the first unseen hint at all; undefined when every hint was seen.
 */
export function chooseHint(hints: readonly Hint[], seen: readonly number[], failing: readonly Failing[]): Hint | undefined {
  const unseen = hints.filter((h) => !seen.includes(h.number));
  if (failing.length === 0) return unseen[0];
  // A hint written for this very message first (`when`), then any hint for the scenario.
  for (const f of failing) {
    const exact = unseen.find((h) => h.when && helps(h, f));
    if (exact) return exact;
  }
  for (const f of failing) {
    const hint = unseen.find((h) => helps(h, f));
    if (hint) return hint;
  }
  // A hint that names no scenario is about the step as a whole; one about other scenarios would be noise.
  return unseen.find((h) => h.scenarios.length === 0);
}
