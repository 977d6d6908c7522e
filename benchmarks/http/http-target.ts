/**
 * Drives the HTTP facade (benchmarks/http/facade.ts) with the same operations as the direct targets,
 * so the HTTP path is measured, and exercised by the tests, without docker. Subscriptions are not
 * offered over HTTP.
 */
import { Agent, request } from 'node:http';
import { InvalidInputError, WrongExpectedVersionError, type ExpectedVersion, type UnsupportedCapabilities } from '../../labs/core/index.ts';
import type { BenchTarget } from '../targets/target.ts';

export class HttpStatusError extends Error {
  readonly kind: string;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`HTTP ${status}: ${message}`);
    this.name = 'HttpStatusError';
    this.kind = `http-${status}`;
  }
}

export function httpTarget(baseUrl: string, options: { backend: string; unsupported: UnsupportedCapabilities; maxSockets?: number }): BenchTarget {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const url = new URL(baseUrl);
  const call = (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, json: text.length ? JSON.parse(text) : null });
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const fail = (status: number, json: unknown): never => {
    const body = (json ?? {}) as { error?: string; message?: string; field?: string; streamId?: string; expected?: ExpectedVersion; actual?: number | 'no_stream' };
    if (status === 409 && body.error === 'WrongExpectedVersion' && body.streamId !== undefined && body.expected !== undefined && body.actual !== undefined) {
      throw new WrongExpectedVersionError(body.streamId, body.expected, body.actual);
    }
    if (status === 400) throw new InvalidInputError(body.field ?? 'request', body.message ?? 'bad request');
    throw new HttpStatusError(status, body.message ?? 'unexpected response');
  };

  return {
    label: `${options.backend} via HTTP`,
    backend: options.backend,
    kind: 'http',
    unsupported: { ...options.unsupported, subscriptions: 'the HTTP facade offers no subscriptions' },
    async append(streamId, events, expectedVersion) {
      const { status, json } = await call('POST', `/streams/${encodeURIComponent(streamId)}`, { events, expectedVersion });
      if (status !== 200) fail(status, json);
      return { nextExpectedVersion: (json as { nextExpectedVersion: number }).nextExpectedVersion };
    },
    async readStream(streamId) {
      const { status, json } = await call('GET', `/streams/${encodeURIComponent(streamId)}`);
      if (status !== 200) fail(status, json);
      return (json as { events: unknown[] }).events.length;
    },
    async readAllPage(cursor, maxCount) {
      const { status, json } = await call('GET', `/all?from=${cursor ?? '0'}&max=${maxCount}`);
      if (status !== 200) fail(status, json);
      const page = json as { events: unknown[]; next: string; end: boolean };
      return { count: page.events.length, next: page.end ? undefined : page.next };
    },
    close: async () => agent.destroy(),
  };
}
