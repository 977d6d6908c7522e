/**
 * The rule for every identifier a store keys on (stream ids, subscriber ids, consumer groups and their
 * members) and for faithful text: written once, used by validation.ts and consumer-group.ts.
 */

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators: invisible in logs,
// dangerous in keys, and never meant as part of an identifier.
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * A string with a lone UTF-16 surrogate has no UTF-8 form: drivers replace it with U+FFFD, so
 * `acct-\ud800` and `acct-\udbff` would become one stream. Every text a store keeps must round-trip.
 */
// With the u flag a surrogate pair is one code point, so this matches only surrogates standing alone.
const LONE_SURROGATE_PATTERN = /[\uD800-\uDFFF]/u;

export function isFaithfulText(text: string): boolean {
  return !LONE_SURROGATE_PATTERN.test(text);
}

export const LONE_SURROGATE = 'contains a lone UTF-16 surrogate (half of a character), which has no UTF-8 form and would be stored as U+FFFD';

/** The rule for every identifier a store keys on: stream ids, subscriber ids. */
export function identifierProblem(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string') return 'it must be a string';
  if (value.length === 0) return 'it must not be empty';
  if (value.length > maxLength) return `it is longer than ${maxLength} characters`;
  if (!isFaithfulText(value)) return `it ${LONE_SURROGATE}`;
  if (CONTROL_CHARACTERS.test(value)) return 'it contains control characters';
  if (value.trim() !== value) return 'it starts or ends with white space';
  return undefined;
}
