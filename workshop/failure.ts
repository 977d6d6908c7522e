/**
 * What a failed scenario tells a learner, like a good test runner: the scenario's own words, the expected
 * and the actual value (short; a diff for objects), and where it failed in the learner's file. The suite's
 * runner reduces an error to one string; the checker keeps the error itself (see `captureFailures` in
 * checker.ts) and this module turns it into facts. Pure: tested with real AssertionErrors, no server.
 */
import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { relativeToRepo } from './layout.ts';

export interface FailureFacts {
  /** The scenario's words for what broke: the assertion's message (`nextExpectedVersion after 2 events`). */
  message: string;
  /** Short renderings of the values, when the failure was a comparison. */
  expected?: string;
  actual?: string;
  /** For objects and arrays: Node's diff, `+ actual` / `- expected` lines (trimmed to the changed part). */
  diff?: string[];
  /** `workshop/postgres/work/store.ts:97` — the first frame of the stack in the learner's files. */
  learnerFrame?: string;
  /** When the stack has no learner frame (the scenario's own assert threw): the last method of the learner's store it called, with its line. */
  lastCall?: { method: string; at?: string };
  /** `labs/conformance/scenarios.ts:107` — the scenario's line that saw it. */
  scenarioFrame?: string;
  /** What the scenario did before it failed (its narration, last lines). */
  narration: string[];
}

const MAX_VALUE = 160;
const MAX_DIFF_LINES = 14;

/** One value, short: `1`, `'CartOpened'`, `[ 0, 1, 3 ]` (cut at 160 characters). */
export function showValue(value: unknown): string {
  const text = inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 12, maxStringLength: 80 });
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** What an assertion without a message of its own checked, in words. */
const OPERATOR_WORDS: Record<string, string> = {
  deepStrictEqual: 'the values read back are not the ones expected',
  deepEqual: 'the values read back are not the ones expected',
  strictEqual: 'the value is not the one expected',
  equal: 'the value is not the one expected',
  notStrictEqual: 'the value should differ',
  ok: 'a condition the scenario checks is false',
  '==': 'a condition the scenario checks is false',
};

const isObjectLike = (value: unknown) => typeof value === 'object' && value !== null;

/** Two short lists of plain values: the two lines compare them already, a diff would only repeat them one per line. */
function shortLists(actual: unknown, expected: unknown, facts: FailureFacts): boolean {
  const plain = (v: unknown) => Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');
  return plain(actual) && plain(expected) && (facts.actual?.length ?? 0) <= 60 && (facts.expected?.length ?? 0) <= 60;
}

/**
 * Node's own diff of two values (the lines starting `+` and `-` with a little context), without the
 * header. Long diffs keep the first changed lines: a learner fixes the first difference first.
 */
export function diffLines(actual: unknown, expected: unknown): string[] {
  const message = new AssertionError({ actual, expected, operator: 'deepStrictEqual' }).message;
  const lines = message.split('\n').slice(1).filter((line, i) => !(i === 0 && /\+ actual - expected/.test(line)));
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  const firstChange = lines.findIndex((l) => /^[+-] /.test(l));
  const start = Math.max(0, firstChange - 3);
  const kept = lines.slice(start, start + MAX_DIFF_LINES);
  if (start > 0) kept.unshift('  …');
  if (start + MAX_DIFF_LINES < lines.length) kept.push('  …');
  return kept;
}

interface Frame {
  file: string;
  line: number;
  fn?: string;
}

/** Stack frames with a file: `at Foo.bar (file:///x/y.ts?check=3:97:11)` -> { file: '/x/y.ts', line: 97, fn: 'Foo.bar' }. */
export function stackFrames(stack: string | undefined): Frame[] {
  const frames: Frame[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const match = /^\s*at (?:(.*?) \()?(.+?):(\d+):\d+\)?$/.exec(line);
    if (!match) continue;
    let file = match[2]!.replace(/\?[^:]*$/, '');
    if (file.startsWith('file://')) file = fileURLToPath(file);
    frames.push({ file, line: Number(match[3]), fn: match[1] });
  }
  return frames;
}

/** The line where `method` is defined in a source file (`async appendToStream(`), 1-based. */
export function definitionLine(source: string, method: string): number | undefined {
  const name = method.split('.').pop()!;
  const lines = source.split('\n');
  const pattern = new RegExp(`^\\s*(?:(?:public|private|async|readonly)\\s+)*${name}\\s*(?:<[^>]*>)?\\(`);
  const index = lines.findIndex((l) => pattern.test(l));
  return index >= 0 ? index + 1 : undefined;
}

export interface FailureContext {
  /** The learner's files (absolute paths): frames in them are the learner's. */
  learnerFiles: string[];
  /** The learner's store methods the scenario called, in order (`appendToStream`, `snapshots.save`). */
  calls: string[];
  narration: string[];
  /** Reads a learner file (tests pass a fake). */
  readSource?(file: string): string;
}

export function failureFacts(error: unknown, context: FailureContext): FailureFacts {
  const facts: FailureFacts = { message: '', narration: context.narration.slice(-3) };
  if (!(error instanceof Error)) {
    facts.message = String(error);
    return facts;
  }
  const isComparison = error instanceof AssertionError && error.operator !== 'fail' && error.operator !== undefined;
  // Node puts its own diff in a generated message; the scenario's words are the message it passed.
  facts.message = error instanceof AssertionError && error.generatedMessage ? (OPERATOR_WORDS[error.operator] ?? `${error.operator} failed`) : error.message.split('\n')[0]!;
  if (isComparison) {
    const assertion = error as AssertionError;
    if (assertion.operator === 'ok' || assertion.operator === '==') {
      facts.actual = showValue(assertion.actual);
    } else {
      facts.expected = showValue(assertion.expected);
      facts.actual = showValue(assertion.actual);
      if (isObjectLike(assertion.actual) && isObjectLike(assertion.expected) && !shortLists(assertion.actual, assertion.expected, facts)) {
        facts.diff = diffLines(assertion.actual, assertion.expected);
      }
    }
  }
  const frames = stackFrames(error.stack);
  const learner = frames.find((f) => context.learnerFiles.includes(f.file));
  if (learner) facts.learnerFrame = `${relativeToRepo(learner.file)}:${learner.line}${learner.fn ? ` (${learner.fn.replace(/^async /, '')})` : ''}`;
  const scenario = frames.find((f) => /labs[\\/]conformance[\\/]scenarios([\\/]|\.ts$)/.test(f.file) || /workshop[\\/]scenarios[\\/]/.test(f.file));
  if (scenario) facts.scenarioFrame = `${relativeToRepo(scenario.file)}:${scenario.line}`;
  if (!learner && context.calls.length > 0) {
    const method = context.calls[context.calls.length - 1]!;
    const read = context.readSource ?? ((file: string) => readFileSync(file, 'utf8'));
    let at: string | undefined;
    for (const file of context.learnerFiles.filter((f) => f.endsWith('.ts'))) {
      let source: string;
      try {
        source = read(file);
      } catch {
        continue;
      }
      const line = definitionLine(source, method);
      if (line) {
        at = `${relativeToRepo(file)}:${line}`;
        break;
      }
    }
    facts.lastCall = { method, at };
  }
  return facts;
}
