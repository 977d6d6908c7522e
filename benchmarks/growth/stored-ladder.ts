/**
 * The sizes a growth run measures (`--stored 0,100000,1000000`): whole numbers of events, ascending,
 * each at most MAX_STORED_EVENTS. Bad input is refused with a typed error naming the value.
 */

/** Without --stored: empty, a hundred thousand, a million (about 2 minutes of fill here). */
export const DEFAULT_STORED_LADDER: readonly number[] = [0, 100_000, 1_000_000];

/** A billion events is far beyond what this machine's disk holds (about 700 B each on PostgreSQL). */
export const MAX_STORED_EVENTS = 1_000_000_000;

export class StoredLadderError extends Error {
  constructor(
    readonly value: string,
    readonly why: string,
  ) {
    super(`--stored: ${why}, got ${JSON.stringify(value)} (expected whole numbers of events, comma-separated, e.g. --stored 0,100000,1000000)`);
    this.name = 'StoredLadderError';
  }
}

/** Parses the --stored values (each may be a comma-separated list; `1_000_000` and `1,000,000`-free forms only). */
export function parseStoredLadder(values: readonly string[] | undefined): number[] {
  const items = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim());
  if (items.length === 0) return [...DEFAULT_STORED_LADDER];
  const sizes = items.map((item) => {
    if (item === '') throw new StoredLadderError(values!.join(','), 'an empty size');
    if (!/^\d+(_\d+)*$/.test(item)) throw new StoredLadderError(item, /^-/.test(item) ? 'a size cannot be negative' : 'not a whole number of events');
    const n = Number(item.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n > MAX_STORED_EVENTS) throw new StoredLadderError(item, `at most ${MAX_STORED_EVENTS.toLocaleString('en-US')} events`);
    return n;
  });
  const sorted = [...new Set(sizes)].sort((a, b) => a - b);
  return sorted;
}
