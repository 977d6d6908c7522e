/**
 * Data returned as written. Equal JSON must always hold (a store that changes a value has lost data).
 * Byte for byte — the same key order, so that a consumer hashing or signing `JSON.stringify(data)` gets
 * the digest the producer got — is a capability: PostgreSQL's jsonb sorts keys (shorter first, then by
 * bytes) and normalises number text, and a store on it declares `byte-exact-data` unsupported. The
 * scenario measures it either way: a store that declares it but returns the bytes as written fails too
 * (a wrong declaration), one that loses key order without declaring it fails.
 *
 * The contract speaks JavaScript values, so "number spelling" is seen here as every number coming back
 * as the same double (1e21, 5e-324, 0.1, the largest double); what text a backend keeps (`1.50` or `1.5`)
 * is shown in the PostgreSQL lab (docs/labs/postgres.md, json vs jsonb).
 */
import assert from 'node:assert/strict';
import type { EventMetadata, JsonValue, RecordedEvent } from '../../core/index.ts';
import { ScenarioUnsupportedError, type Scenario } from '../scenario.ts';
import { event } from './support.ts';

// Keys out of alphabetical order and of different lengths (jsonb sorts by length, then bytes), nested;
// numbers whose text a normaliser would change; escapes JSON must keep.
const DATA: JsonValue = {
  zeta: 1,
  b: { yy: [3, { y: true, x: null }], a: 'first' },
  alpha: [1e21, 5e-324, 0.1, -1.5e-7, 1.7976931348623157e308, 12345678901234567000, 2 ** 53 - 1],
  text: 'quote " backslash \\ newline \n tab \t U+2028 \u2028 </script> \u0001 é 😀',
  '': 'empty key',
};
const METADATA: EventMetadata = { zz: 'last-first', correlationId: 'c-1', a: 2 };

const serialised = (e: Pick<RecordedEvent, 'data' | 'metadata'>) => JSON.stringify({ data: e.data, metadata: e.metadata });

export const asWrittenScenarios: Scenario[] = [
  {
    id: 'data.returned-as-written',
    title: 'Event data comes back as written',
    property:
      'Data and metadata read back by readStream and readAll are equal JSON to what was written, every number the same double and every escape kept; byte for byte (the same key order) unless the backend declares byte-exact-data unsupported — and then it must really differ.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('as-written');
      const written = event('Signed', DATA, { metadata: METADATA });
      const appended = await ctx.store.appendToStream(streamId, [written]);
      const [fromStream] = await ctx.store.readStream(streamId);
      const fromAll = (await ctx.store.readAll({ fromPosition: appended.globalPosition, maxCount: 1 })).find((e) => e.id === written.id);
      assert.ok(fromStream, 'the event is in its stream');
      assert.ok(fromAll, 'the event is in $all at the position the append returned');
      for (const [path, back] of [['readStream', fromStream], ['readAll', fromAll]] as const) {
        // deepStrictEqual ignores key order and compares numbers with Object.is: equal JSON, exactly.
        assert.deepStrictEqual(back.data, DATA, `${path}: data is equal JSON (same values, numbers, escapes)`);
        for (const [key, value] of Object.entries(METADATA)) assert.deepStrictEqual(back.metadata[key], value, `${path}: metadata.${key}`);
      }
      const expected = serialised({ data: DATA, metadata: METADATA });
      const byteExact = [fromStream, fromAll].every((e) => serialised(e) === expected);
      const declared = ctx.store.unsupported['byte-exact-data'];
      const shown = (e: RecordedEvent) => JSON.stringify(e.data).slice(0, 40);
      if (declared !== undefined) {
        assert.ok(!byteExact, `byte-exact-data is declared unsupported ("${declared}") but data came back byte for byte: the declaration is wrong`);
        throw new ScenarioUnsupportedError(`byte-exact-data: ${declared} (measured: written ${JSON.stringify(DATA).slice(0, 40)}…, read ${shown(fromStream)}…; equal JSON holds)`);
      }
      assert.equal(serialised(fromStream), expected, 'readStream returns data and metadata byte for byte (key order kept)');
      assert.equal(serialised(fromAll), expected, 'readAll returns data and metadata byte for byte (key order kept)');
      ctx.narrate(`data with keys out of order, 1e21, 5e-324 and escapes came back byte for byte from readStream and readAll: ${shown(fromStream)}…`);
    },
  },
];
