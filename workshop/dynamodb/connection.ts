/**
 * How the checker tells a DynamoDB store where to work: one string (the `connection` argument of
 * `createStore`), the endpoint URL with the check's own table name as a query parameter:
 *   http://127.0.0.1:41234/?table=ws-05-3fa2c1
 * Every check gets a fresh, empty table, so the learner's store never creates or deletes tables.
 */
export interface DynamoDbConnection {
  /** The DynamoDB API endpoint (dynalite, DynamoDB Local, or AWS). */
  endpoint: string;
  /** The table of this check: key schema `pk` (string, partition key), `sk` (number, sort key). */
  tableName: string;
}

export function formatConnection(connection: DynamoDbConnection): string {
  const url = new URL(connection.endpoint);
  url.searchParams.set('table', connection.tableName);
  return url.toString();
}

export function parseConnection(text: string): DynamoDbConnection {
  const url = new URL(text);
  const tableName = url.searchParams.get('table');
  if (!tableName) throw new Error(`the connection '${text}' names no table (?table=…)`);
  url.searchParams.delete('table');
  const endpoint = url.toString().replace(/\/?\?$/, '').replace(/\/$/, '');
  return { endpoint, tableName };
}
