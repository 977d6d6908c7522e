/**
 * The DynamoDB key store of crypto-shredding: one item per data subject, `subject-key#<id>` / 0, holding
 * the key id and 32 key bytes. Created under attribute_not_exists (racing writers of a new subject all use
 * the item that won); forgetting is DeleteItem. What DeleteItem does not reach — point-in-time recovery
 * (35 days of restorable table states) and on-demand backups that hold the item — is in
 * docs/labs/dynamodb.md, "Erasure": keep keys in a table of their own without such backups, or accept
 * that window.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { generateSubjectKey, type KeyStore, type SubjectKey } from '../core/index.ts';
import { str } from './items.ts';
import type { TableAccess } from './table-access.ts';

const subjectKeyKey = (subjectId: string) => `subject-key#${subjectId}`;

export class DynamoDbSubjectKeys implements KeyStore {
  constructor(private readonly table: TableAccess) {}

  async keyFor(subjectId: string): Promise<SubjectKey> {
    const fresh = generateSubjectKey();
    const item = { pk: { S: subjectKeyKey(subjectId) }, sk: { N: '0' }, kid: { S: fresh.keyId }, key: { B: fresh.key } };
    if (await this.table.putItem('PutItem subject key', item, { expression: 'attribute_not_exists(pk)' })) return fresh;
    const stored = await this.table.getItem('GetItem subject key', subjectKeyKey(subjectId));
    if (!stored?.key?.B) return this.keyFor(subjectId); // destroyed in between: make a new one
    return { keyId: str(stored.kid), key: Buffer.from(stored.key.B) };
  }

  async find(subjectId: string, keyId: string): Promise<Buffer | undefined> {
    const stored = await this.table.getItem('GetItem subject key', subjectKeyKey(subjectId));
    return stored?.kid?.S === keyId && stored.key?.B ? Buffer.from(stored.key.B) : undefined;
  }

  async destroy(subjectId: string): Promise<number> {
    const { Attributes } = await this.table.send('DeleteItem subject key', (c) =>
      c.send(new DeleteItemCommand({ TableName: this.table.tableName, Key: { pk: { S: subjectKeyKey(subjectId) }, sk: { N: '0' } }, ReturnValues: 'ALL_OLD' })),
    );
    return Attributes ? 1 : 0;
  }
}
