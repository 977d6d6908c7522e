/**
 * How the checker tells a Kafka store where to work: one string (the `connection` argument of
 * `createStore`), the brokers and the check's own topic namespace:
 *   kafka://127.0.0.1:41234/?namespace=ws-05-3fa2c1
 * The checker creates `<namespace>.events` (1 partition) and `<namespace>.snapshots` (compacted) before
 * the check and deletes them, and the namespace's consumer groups, afterwards: attempts never collide.
 */
export interface KafkaConnection {
  brokers: string[];
  namespace: string;
}

export function formatConnection(connection: KafkaConnection): string {
  return `kafka://${connection.brokers.join(',')}/?namespace=${encodeURIComponent(connection.namespace)}`;
}

export function parseConnection(text: string): KafkaConnection {
  const match = /^kafka:\/\/([^/?]+)\/?\?namespace=([^&]+)$/.exec(text);
  if (!match) throw new Error(`the connection '${text}' is not kafka://host:port[,host:port]/?namespace=…`);
  return { brokers: match[1]!.split(','), namespace: decodeURIComponent(match[2]!) };
}
