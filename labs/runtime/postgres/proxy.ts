/**
 * The one address a PostgreSQL cluster's clients use, forwarded to whichever node is primary.
 *
 * libpq would do this itself (`host=a,b target_session_attrs=read-write`), but node-postgres, the driver
 * of the labs, takes one host only. Production puts the same thing in front of a cluster: HAProxy or
 * PgBouncer, repointed by the failover manager (Patroni). `repoint` cuts every connection to the old
 * primary, as HAProxy's `on-marked-down shutdown-sessions` does, so that a client stuck on a paused
 * primary gets an error instead of waiting for ever.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class PrimaryProxy {
  private readonly server: Server;
  private readonly sessions = new Set<{ client: Socket; upstream: Socket }>();

  private host = '127.0.0.1';

  private constructor(
    private target: number,
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async listen(target: number, port: number, targetHost = '127.0.0.1'): Promise<PrimaryProxy> {
    const server = createServer();
    const proxy = new PrimaryProxy(target, port, server);
    proxy.host = targetHost;
    server.on('connection', (client) => proxy.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get primaryPort(): number {
    return this.target;
  }

  /** From now on new connections go to `host:port`; every open one is cut. */
  repoint(port: number, host = this.host): void {
    this.target = port;
    this.host = host;
    for (const session of this.sessions) {
      session.client.destroy();
      session.upstream.destroy();
    }
    this.sessions.clear();
  }

  async close(): Promise<void> {
    this.repoint(this.target);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target, this.host);
    const session = { client, upstream };
    this.sessions.add(session);
    const end = () => {
      this.sessions.delete(session);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
