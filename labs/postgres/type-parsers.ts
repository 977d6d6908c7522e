/**
 * The PostgreSQL store's own type parsers. node-postgres keeps one global registry of them, and libraries
 * in the same process replace entries: Emmett's dumbo turns int8 into BigInt and parses json/jsonb with
 * big integers as BigInt. A lab store that used the global registry would then return
 * `12345678901234567000n` for a number it was given (seen: the cluster columns of `npm run capabilities`,
 * which start after the Emmett peer in the same process, failed data.returned-as-written). So each pool
 * of the store names its parsers: pg's defaults for the types it reads, whatever the registry holds.
 */
import pg from 'pg';

const JSON_OID = 114;
const JSONB_OID = 3802;
const INT8_OID = 20;

export const STORE_TYPE_PARSERS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && (oid === JSON_OID || oid === JSONB_OID)) return (text: string) => JSON.parse(text) as unknown;
    if (format !== 'binary' && oid === INT8_OID) return (text: string) => text;
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};
