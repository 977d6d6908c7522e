/**
 * The HTTP facade: one EventStore behind three routes, so the same workloads can be driven over HTTP
 * (by the harness's `--via http` mode here, and by k6 in docker).
 *
 *   POST /streams/:id      { events: [{ id?, type, data, metadata? }], expectedVersion? }
 *                          -> 200 { nextExpectedVersion, globalPosition }
 *   GET  /streams/:id      ?fromVersion=&maxCount=&direction=forward|backward -> 200 { streamId, events }
 *   GET  /all              ?from=<position>&max=<n> -> 200 { events, next, end }
 *   GET  /health           -> 200 { backend }
 *
 * Positions travel as decimal strings (JSON numbers lose precision past 2^53). Bad input is a 400 with
 * the store's own message (nothing was written); a wrong expected version or a reused event id is a 409
 * with the facts; anything else is a 500.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  DuplicateEventIdError,
  InvalidInputError,
  InvalidReadOptionsError,
  WrongExpectedVersionError,
  positionFromJson,
  validateExpectedVersion,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../labs/core/index.ts';

export interface EventJson {
  id: string;
  streamId: string;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  streamVersion: number;
  globalPosition: string;
  recordedAt: string;
}

function toJson(e: RecordedEvent): EventJson {
  return {
    id: e.id,
    streamId: e.streamId,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    streamVersion: e.streamVersion,
    globalPosition: e.globalPosition.toString(),
    recordedAt: e.recordedAt.toISOString(),
  };
}

/** A query parameter that must be a whole number, or absent. */
function wholeNumber(query: Request['query'], name: string, min: number): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
    throw new InvalidReadOptionsError(name, `query parameter '${name}' must be a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

export function createFacadeApp(store: EventStore): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16mb' }));

  app.get('/health', (_req, res) => {
    res.json({ backend: store.backend });
  });

  app.post('/streams/:id', async (req: Request<{ id: string }>, res: Response) => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidInputError('body', 'The request body must be a JSON object { events: [...], expectedVersion? }');
    }
    const { events, expectedVersion } = body as { events?: unknown; expectedVersion?: unknown };
    if (!Array.isArray(events)) throw new InvalidInputError('events', "The body's 'events' must be an array of { id?, type, data, metadata? }");
    const result = await store.appendToStream(req.params.id, events as NewEvent[], { expectedVersion: validateExpectedVersion(expectedVersion) });
    res.json({ nextExpectedVersion: result.nextExpectedVersion, globalPosition: result.globalPosition.toString() });
  });

  app.get('/streams/:id', async (req: Request<{ id: string }>, res: Response) => {
    const direction = req.query.direction;
    if (direction !== undefined && direction !== 'forward' && direction !== 'backward') {
      throw new InvalidReadOptionsError('direction', `query parameter 'direction' must be 'forward' or 'backward', got ${JSON.stringify(direction)}`);
    }
    const events = await store.readStream(req.params.id, {
      direction,
      fromVersion: wholeNumber(req.query, 'fromVersion', 0),
      maxCount: wholeNumber(req.query, 'maxCount', 1),
    });
    res.json({ streamId: req.params.id, events: events.map(toJson) });
  });

  app.get('/all', async (req: Request, res: Response) => {
    const fromRaw = req.query.from;
    let from = 0n;
    if (fromRaw !== undefined) {
      if (typeof fromRaw !== 'string') throw new InvalidReadOptionsError('from', "query parameter 'from' must be one position (a decimal string)");
      try {
        from = positionFromJson(fromRaw);
      } catch {
        throw new InvalidReadOptionsError('from', `query parameter 'from' must be a position (decimal digits), got ${JSON.stringify(fromRaw)}`);
      }
    }
    const max = wholeNumber(req.query, 'max', 1) ?? 1000;
    if (max > 10_000) throw new InvalidReadOptionsError('max', `query parameter 'max' must be at most 10000, got ${max}`);
    const events = await store.readAll({ fromPosition: from, maxCount: max });
    const last = events.at(-1);
    res.json({ events: events.map(toJson), next: (last ? last.globalPosition + 1n : from).toString(), end: events.length < max });
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'NotFound', message: `No route ${req.method} ${req.path}: use POST /streams/:id, GET /streams/:id, GET /all` });
  });

  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    void next;
    if (error instanceof WrongExpectedVersionError) {
      res.status(409).json({ error: 'WrongExpectedVersion', message: error.message, streamId: error.streamId, expected: error.expected, actual: error.actual });
    } else if (error instanceof DuplicateEventIdError) {
      res.status(409).json({ error: 'DuplicateEventId', message: error.message, streamId: error.streamId, eventIds: error.eventIds });
    } else if (error instanceof InvalidInputError) {
      res.status(400).json({ error: error.name, field: error.field, message: error.message });
    } else if (isBodyParserError(error)) {
      res.status(400).json({ error: 'InvalidJson', field: 'body', message: `The request body is not valid JSON: ${error.message}` });
    } else {
      res.status(500).json({ error: 'InternalError', message: error instanceof Error ? error.message : String(error) });
    }
  });
  return app;
}

function isBodyParserError(error: unknown): error is Error & { status: number } {
  const status = error instanceof Error ? (error as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status < 500;
}

export interface RunningFacade {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0: any free port) by default. */
export async function startFacade(store: EventStore, options: { port?: number; host?: string } = {}): Promise<RunningFacade> {
  const app = createFacadeApp(store);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.keepAliveTimeout = 30_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
