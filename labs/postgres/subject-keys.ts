/** The PostgreSQL key store of crypto-shredding: one row per data subject (schema.sql, subject_keys). */
import type pg from 'pg';
import { generateSubjectKey, type KeyStore, type SubjectKey } from '../core/index.ts';

export class PostgresSubjectKeys implements KeyStore {
  /** `table`: the lab's `event_store.subject_keys`, or the naive twin's copy of it. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly table = 'event_store.subject_keys',
  ) {}

  async keyFor(subjectId: string): Promise<SubjectKey> {
    const fresh = generateSubjectKey();
    // Insert if absent, then read: of racing writers the first insert wins and all use its key.
    const { rows } = await this.pool.query<{ key_id: string; key: Buffer }>(
      `WITH inserted AS (
         INSERT INTO ${this.table} (subject_id, key_id, key) VALUES ($1, $2, $3) ON CONFLICT (subject_id) DO NOTHING RETURNING key_id, key
       )
       SELECT key_id, key FROM inserted UNION ALL SELECT key_id, key FROM ${this.table} WHERE subject_id = $1 LIMIT 1`,
      [subjectId, fresh.keyId, fresh.key],
    );
    const row = rows[0];
    if (!row) throw new Error(`no key for subject '${subjectId}' after inserting one`);
    return { keyId: row.key_id, key: row.key };
  }

  async find(subjectId: string, keyId: string): Promise<Buffer | undefined> {
    const { rows } = await this.pool.query<{ key: Buffer }>(`SELECT key FROM ${this.table} WHERE subject_id = $1 AND key_id::text = $2`, [subjectId, keyId]);
    return rows[0]?.key;
  }

  async destroy(subjectId: string): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.table} WHERE subject_id = $1`, [subjectId]);
    return rowCount ?? 0;
  }
}
