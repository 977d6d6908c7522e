/**
 * The PostgreSQL global position packs the two columns that define the read order, (transaction_id,
 * position), into one bigint: transaction_id in the high 64 bits, the sequence position in the low 64.
 * Comparing packed values compares the pairs, so checkpoints stay single numbers for every caller.
 */
const SHIFT = 64n;
const LOW_MASK = (1n << SHIFT) - 1n;

/** PostgreSQL bigint (and our xid8 use) ends at 2^63 - 1. */
const MAX_BIGINT = (1n << 63n) - 1n;

export const MAX_POSITION = packPosition(MAX_BIGINT, MAX_BIGINT);

export function packPosition(transactionId: bigint, position: bigint): bigint {
  return (transactionId << SHIFT) | position;
}

/** Both halves clamped to what PostgreSQL can compare (no real position is that large). */
export function unpackPosition(packed: bigint): { transactionId: bigint; position: bigint } {
  const clamp = (n: bigint) => (n > MAX_BIGINT ? MAX_BIGINT : n);
  return { transactionId: clamp(packed >> SHIFT), position: clamp(packed & LOW_MASK) };
}

/** For people: `tx 742 · #1001` reads better than a 22-digit number. */
export function describePosition(packed: bigint): string {
  const { transactionId, position } = unpackPosition(packed);
  return `tx ${transactionId} · #${position}`;
}
