// The advisor as an Express app factory: the JSON API under /api/v1, the web page, chart.js from
// node_modules (the page works offline), and the repository's docs so evidence links resolve.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { renderAdr } from './adr.ts';
import { CRITERIA } from './knowledge/criteria.ts';
import { QUESTIONS } from './knowledge/questions.ts';
import { TECHNOLOGIES } from './knowledge/technologies.ts';
import { citedResultsFiles, DONT_KNOW } from './knowledge/types.ts';
import { markdownPages } from './docs-pages.ts';
import { myTurn } from './turns.ts';
import { EvidenceStore, type EvidenceSnapshot } from './evidence/evidence.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { evidenceLevel, recommend, resolveSource } from './recommendation.ts';
import { BASELINE_WEIGHTS } from './scoring/score.ts';
import { adrRequestSchema, fieldIssues, recommendationRequestSchema, toRecommendationInput } from './validation.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');

export interface AdvisorAppOptions {
  /** Conformance results; default docs/capabilities.json. */
  capabilitiesPath?: string;
  /** Benchmark results; default benchmarks/results/latest.json. */
  benchmarksPath?: string;
  /** Where the results files that benchmark sources cite live (default benchmarks/results). */
  resultsDir?: string;
  /** Served at /docs so that lab and matrix links work; default docs/. */
  docsDir?: string;
  /** Clock for the ADR date (tests pin it). */
  now?: () => Date;
  /** Maximum JSON body size. */
  bodyLimit?: string;
  /** How often (ms) a request may check whether the evidence files changed; 0 checks every request. */
  evidenceCheckIntervalMs?: number;
}

function chartJsDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('chart.js'));
}

const methodNotAllowed =
  (allowed: string[]): RequestHandler =>
  (_req, res) => {
    res.set('Allow', allowed.join(', ')).status(405).json({ error: 'method_not_allowed', message: `Use ${allowed.join(' or ')}.` });
  };

const requireJson: RequestHandler = (req, res, next) => {
  if (!req.is('application/json')) {
    res.status(415).json({ error: 'unsupported_media_type', message: 'Send the body as application/json.' });
    return;
  }
  next();
};

export function createAdvisorApp(options: AdvisorAppOptions = {}): Express {
  const capabilitiesPath = options.capabilitiesPath ?? join(repoRoot, 'docs', 'capabilities.json');
  const benchmarksPath = options.benchmarksPath ?? join(repoRoot, 'benchmarks', 'results', 'latest.json');
  const docsDir = options.docsDir ?? join(repoRoot, 'docs');
  const now = options.now ?? (() => new Date());
  const openapi = buildOpenApiDocument();
  // Evidence files are rewritten by other tools while the advisor runs: parsed once per change.
  const resultsDir = options.resultsDir ?? join(repoRoot, 'benchmarks', 'results');
  const evidenceStore = new EvidenceStore({ capabilitiesPath, benchmarksPath, resultsDir, citedResults: citedResultsFiles(TECHNOLOGIES) }, { checkIntervalMs: options.evidenceCheckIntervalMs ?? 1000 });
  const evidence = (): Promise<EvidenceSnapshot> => evidenceStore.current();
  // Responses that depend only on the knowledge (and the evidence version) are serialised once.
  const questionnaireJson = JSON.stringify({ dontKnow: DONT_KNOW, questions: QUESTIONS, criteria: CRITERIA, baseline: BASELINE_WEIGHTS });
  let technologiesCache: { version: number; json: string } | null = null;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // Served over plain HTTP on localhost: HSTS would only confuse other local services.
      strictTransportSecurity: false,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const api = express.Router();
  api.use(express.json({ limit: options.bodyLimit ?? '32kb', strict: true }));

  api
    .route('/questionnaire')
    .get((_req, res) => {
      res.type('json').send(questionnaireJson);
    })
    .all(methodNotAllowed(['GET']));

  api
    .route('/technologies')
    .get(async (_req, res) => {
      const ev = await evidence();
      if (technologiesCache?.version !== evidenceStore.version) {
        technologiesCache = { version: evidenceStore.version, json: JSON.stringify({ technologies: TECHNOLOGIES.map((t) => technologyView(t.id, ev)) }) };
      }
      res.type('json').send(technologiesCache.json);
    })
    .all(methodNotAllowed(['GET']));

  api
    .route('/technologies/:id')
    .get(async (req, res) => {
      const ev = await evidence();
      const view = technologyView(req.params.id, ev);
      if (!view) {
        res.status(404).json({ error: 'not_found', message: `Unknown technology "${req.params.id}". Known: ${TECHNOLOGIES.map((t) => t.id).join(', ')}.` });
        return;
      }
      res.json(view);
    })
    .all(methodNotAllowed(['GET']));

  api
    .route('/evidence')
    .get(async (_req, res) => {
      const ev = await evidence();
      res.json({
        capabilities: ev.capabilities,
        benchmarks: ev.benchmarks,
        cited: ev.cited ?? {},
        note: ev.benchmarks ? `Benchmark figures measured on the machine that ran them, started ${ev.benchmarks.startedAt}.` : 'No benchmark results yet.',
      });
    })
    .all(methodNotAllowed(['GET']));

  api
    .route('/recommendations')
    .post(requireJson, async (req, res) => {
      const parsed = recommendationRequestSchema.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ error: 'invalid_request', issues: fieldIssues(parsed.error) });
        return;
      }
      const detail = req.query.detail;
      if (detail !== undefined && detail !== 'lean' && detail !== 'full') {
        res.status(400).json({ error: 'invalid_request', issues: [{ field: 'detail', message: 'Use detail=lean (the default) or detail=full.' }] });
        return;
      }
      const ev = await evidence();
      await myTurn();
      res.json(recommend(toRecommendationInput(parsed.data), ev, { detail: detail ?? 'lean' }));
    })
    .all(methodNotAllowed(['POST']));

  api
    .route('/adr')
    .post(requireJson, async (req, res) => {
      const parsed = adrRequestSchema.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ error: 'invalid_request', issues: fieldIssues(parsed.error) });
        return;
      }
      const ev = await evidence();
      await myTurn();
      const rec = recommend(toRecommendationInput(parsed.data), ev, { detail: 'full' });
      const date = now().toISOString().slice(0, 10);
      const markdown = renderAdr(rec, { date, ...(parsed.data.title ? { title: parsed.data.title } : {}) });
      res
        .type('text/markdown; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="adr-event-store-${date}.md"`)
        .send(markdown);
    })
    .all(methodNotAllowed(['POST']));

  api
    .route('/openapi.json')
    .get((_req, res) => {
      res.json(openapi);
    })
    .all(methodNotAllowed(['GET']));

  api.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'No such API route. See /api/v1/openapi.json.' });
  });
  app.use('/api/v1', api);

  app.use('/vendor/chart.js', express.static(chartJsDir(), { index: false, fallthrough: false }));
  if (existsSync(docsDir)) {
    app.use('/docs', markdownPages(docsDir));
    app.use('/docs', express.static(docsDir, { index: false, dotfiles: 'ignore' }));
  }
  app.use(express.static(join(here, 'public'), { index: 'index.html' }));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'Not found.' });
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = (typeof err === 'object' && err !== null ? err : {}) as { type?: unknown; status?: unknown; statusCode?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'payload_too_large', message: `The body is larger than ${options.bodyLimit ?? '32kb'}.` });
    } else if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_json', issues: [{ field: '(body)', message: 'The body is not valid JSON.' }] });
    } else if (status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad_request', message: 'The request could not be processed.' });
    } else {
      // Only the server log sees the details; the client gets no stack trace.
      console.error('advisor: unexpected error', err);
      res.status(500).json({ error: 'internal_error', message: 'Something went wrong on our side.' });
    }
  };
  app.use(onError);
  return app;
}

function technologyView(id: string, ev: EvidenceSnapshot) {
  const tech = TECHNOLOGIES.find((t) => t.id === id);
  if (!tech) return undefined;
  return {
    id: tech.id,
    name: tech.name,
    summary: tech.summary,
    homepage: tech.homepage,
    ratings: CRITERIA.map((c) => {
      const r = tech.ratings[c.id];
      const sources = r.sources.map((s) => resolveSource(s, ev));
      return { criterion: c.id, name: c.name, rating: r.rating, rationale: r.rationale, mitigation: r.mitigation ?? null, sources, evidence: evidenceLevel(sources) };
    }),
    knockOuts: QUESTIONS.flatMap((q) =>
      q.options.flatMap((o) => (o.knockOuts ?? []).filter((k) => k.technology === tech.id).map((k) => ({ questionId: q.id, optionId: o.id, answerLabel: o.label, reason: k.reason }))),
    ),
  };
}
