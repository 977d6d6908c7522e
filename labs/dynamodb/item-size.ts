/**
 * DynamoDB's item size, computed before writing so that a batch too big for one item is refused with a
 * typed error instead of an SDK ValidationException. Follows the documented rules (attribute names and
 * string values in UTF-8 bytes; numbers about one byte per two digits plus one; 3 bytes per list or map
 * plus 1 per element) and rounds up, so it never underestimates what DynamoDB or dynalite counts.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB's hard limit for one item, names and values included. */
export const MAX_ITEM_BYTES = 400 * 1024;

export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSizeBytes(value);
  return size;
}

export function valueSizeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 2;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s, 'utf8'), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + valueSizeBytes({ N: n }), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSizeBytes(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, 'utf8') + valueSizeBytes(v), 0);
  }
  return 0;
}
