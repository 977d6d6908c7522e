// The HTTP API against a real server on an ephemeral port: every route, bad input, limits, headers,
// and the OpenAPI document checked against the app's actual routes and responses.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import type { Express } from 'express';
import { createAdvisorApp } from './app.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { fixturePath, startAdvisor, type RunningAdvisor } from './testing.ts';

const openapi = buildOpenApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'advisor-openapi', components: openapi.components });

function assertMatchesSchema(name: string, body: unknown): void {
  const validate = ajv.getSchema(`advisor-openapi#/components/schemas/${name}`);
  assert.ok(validate, `schema ${name} exists`);
  const ok = validate(body);
  assert.ok(ok, `${name}: ${ajv.errorsText(validate.errors)}`);
}

function assertNoLeak(text: string): void {
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.ts:\d+/, 'no stack trace in the response');
}

let withEvidence: RunningAdvisor;
let withoutEvidence: RunningAdvisor;

before(async () => {
  withEvidence = await startAdvisor({
    capabilitiesPath: fixturePath('capabilities.json'),
    benchmarksPath: fixturePath('benchmarks-latest.json'),
    now: () => new Date('2026-11-26T12:00:00Z'),
  });
  withoutEvidence = await startAdvisor({ capabilitiesPath: fixturePath('absent.json'), benchmarksPath: fixturePath('truncated.json') });
});
after(async () => {
  await withEvidence.close();
  await withoutEvidence.close();
});

const post = (base: RunningAdvisor, path: string, body: string, contentType = 'application/json') =>
  fetch(`${base.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('read-only routes', () => {
  test('GET /healthz', async () => {
    const res = await fetch(`${withEvidence.baseUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('GET /api/v1/questionnaire returns the documented shape', async () => {
    const res = await fetch(`${withEvidence.baseUrl}/api/v1/questionnaire`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { questions: unknown[] };
    assertMatchesSchema('Questionnaire', body);
    assert.ok(body.questions.length >= 12);
  });

  test('GET /api/v1/technologies and /technologies/:id, with lab evidence resolved from the fixtures', async () => {
    const all = await fetch(`${withEvidence.baseUrl}/api/v1/technologies`);
    assert.equal(all.status, 200);
    const body = (await all.json()) as { technologies: { id: string }[] };
    for (const t of body.technologies) assertMatchesSchema('Technology', t);
    assert.deepEqual(body.technologies.map((t) => t.id).sort(), ['dynamodb', 'eventstoredb', 'kafka', 'marten', 'postgres']);

    const pg = await fetch(`${withEvidence.baseUrl}/api/v1/technologies/postgres`);
    const profile = (await pg.json()) as { ratings: { criterion: string; sources: { kind: string; scenarios?: { id: string; status: string }[] }[] }[] };
    const occ = profile.ratings.find((r) => r.criterion === 'optimistic-concurrency');
    const lab = occ?.sources.find((s) => s.kind === 'lab');
    assert.equal(lab?.scenarios?.find((s) => s.id === 'append.expected-version')?.status, 'pass');

    const missing = await fetch(`${withEvidence.baseUrl}/api/v1/technologies/oracle`);
    assert.equal(missing.status, 404);
    assertMatchesSchema('Error', await missing.json());
  });

  test('GET /api/v1/evidence with and without evidence files', async () => {
    const present = (await (await fetch(`${withEvidence.baseUrl}/api/v1/evidence`)).json()) as { benchmarks: { startedAt: string } | null; note: string };
    assertMatchesSchema('Evidence', present);
    assert.equal(present.benchmarks?.startedAt, '2026-11-21T08:30:00.000Z');
    const absent = (await (await fetch(`${withoutEvidence.baseUrl}/api/v1/evidence`)).json()) as { capabilities: unknown; benchmarks: unknown; note: string };
    assertMatchesSchema('Evidence', absent);
    assert.equal(absent.capabilities, null);
    assert.equal(absent.benchmarks, null);
    assert.equal(absent.note, 'No benchmark results yet.');
  });

  test('GET /api/v1/openapi.json serves the document', async () => {
    const res = await fetch(`${withEvidence.baseUrl}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(openapi)));
  });

  test('the page, its script and chart.js are served from this server', async () => {
    const page = await fetch(`${withEvidence.baseUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Event store design advisor/);
    assert.equal((await fetch(`${withEvidence.baseUrl}/app.js`)).status, 200);
    const chart = await fetch(`${withEvidence.baseUrl}/vendor/chart.js/chart.umd.min.js`);
    assert.equal(chart.status, 200);
    assert.ok((await chart.text()).length > 10_000);
  });
});

describe('POST /api/v1/recommendations', () => {
  const NODE_PG_TEAM = { platform: 'node', 'postgres-skills': 'production', budget: 'tight', 'read-patterns': 'ad-hoc', operations: 'small' };

  test('valid answers give a decision and a ranking; lean by default, the full breakdown on request', async () => {
    const body = JSON.stringify({ answers: NODE_PG_TEAM, weights: { cost: 6 } });
    const lean = await post(withEvidence, '/api/v1/recommendations', body);
    assert.equal(lean.status, 200);
    const leanText = await lean.text();
    const l = JSON.parse(leanText) as { detail: string; decision: string; top: string; ranking: Record<string, unknown>[] };
    assertMatchesSchema('Recommendation', l);
    assert.equal(l.detail, 'lean');
    assert.equal(l.decision, 'clear');
    assert.equal(l.top, 'postgres');
    assert.ok(l.ranking.every((r) => !('breakdown' in r) && !('contributions' in r)), 'lean: no breakdown');

    const full = await post(withEvidence, '/api/v1/recommendations?detail=full', body);
    const fullText = await full.text();
    const f = JSON.parse(fullText) as { detail: string; top: string; ranking: { technology: string; eligible: boolean; benchmarks: { figures: { target: string; mode: string }[] } | null }[]; weights: { criterion: string; weight: number; override: number | null }[] };
    assertMatchesSchema('Recommendation', f);
    assert.equal(f.detail, 'full');
    assert.equal(f.ranking.find((r) => r.technology === 'marten')?.eligible, false);
    assert.deepEqual(f.ranking.find((r) => r.technology === 'postgres')?.benchmarks?.figures.map((x) => `${x.target}/${x.mode}`), ['store/open', 'raw/open', 'store/closed', 'store/open']);
    assert.deepEqual(f.weights.find((w) => w.criterion === 'cost'), { ...f.weights.find((w) => w.criterion === 'cost'), weight: 6, override: 6 });
    assert.ok(leanText.length * 3 < fullText.length, `lean ${leanText.length} B vs full ${fullText.length} B`);

    const bad = await post(withEvidence, '/api/v1/recommendations?detail=everything', body);
    assert.equal(bad.status, 400);
    assertMatchesSchema('Error', await bad.json());
  });

  test('an empty questionnaire is "insufficient-answers" with the questions that matter most; a tie names no winner', async () => {
    const empty = (await (await post(withEvidence, '/api/v1/recommendations', '{"answers":{}}')).json()) as { decision: string; top: string | null; decisionDetail: { questionsThatMatterMost: unknown[] } };
    assertMatchesSchema('Recommendation', empty);
    assert.equal(empty.decision, 'insufficient-answers');
    assert.equal(empty.top, null);
    assert.ok(empty.decisionDetail.questionsThatMatterMost.length >= 3);
    const tie = (await (await post(withEvidence, '/api/v1/recommendations', JSON.stringify({ answers: { 'postgres-skills': 'production', budget: 'tight', operations: 'small', 'read-patterns': 'ad-hoc' } }))).json()) as { decision: string; top: string | null; decisionDetail: { tied: { technology: string }[]; separatedBy: unknown[]; tieMargin: number } };
    assert.equal(tie.decision, 'tie');
    assert.equal(tie.top, null);
    assert.deepEqual(tie.decisionDetail.tied.map((t) => t.technology).sort(), ['marten', 'postgres']);
    assert.ok(tie.decisionDetail.separatedBy.length > 0);
    assert.equal(tie.decisionDetail.tieMargin, 2);
  });

  test('a capability the lab emulates is cited with its caveat (Kafka\'s version check)', async () => {
    const res = await post(withEvidence, '/api/v1/recommendations?detail=full', JSON.stringify({ answers: { platform: 'node', concurrency: 'required', cloud: 'aws', budget: 'tight' } }));
    const body = (await res.json()) as { ranking: { technology: string; knockOuts: { source: { kind: string; scenarios?: { id: string; status: string; emulated: boolean; caveats: { text: string }[] }[] } }[] }[] };
    const ko = body.ranking.find((r) => r.technology === 'kafka')?.knockOuts[0];
    const scenario = ko?.source.scenarios?.find((s) => s.id === 'append.expected-version');
    assert.equal(scenario?.status, 'pass');
    assert.equal(scenario?.emulated, true);
    assert.match(scenario?.caveats[0]?.text ?? '', /emulated by the store/);
  });

  test('unknown fields, unknown answers and out-of-range weights get a 400 with field-level messages', async () => {
    const res = await post(withEvidence, '/api/v1/recommendations', JSON.stringify({ answers: { platform: 'cobol', colour: 'blue' }, weights: { cost: 99 }, extra: true }));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; issues: { field: string; message: string }[] };
    assertMatchesSchema('Error', body);
    const fields = body.issues.map((i) => i.field).sort();
    assert.deepEqual(fields, ['answers.colour', 'answers.platform', 'extra', 'weights.cost']);
    assert.ok(body.issues.every((i) => i.message.length > 0));
  });

  test('a missing body, an array, malformed JSON and the wrong media type are refused cleanly', async () => {
    for (const [body, type, status] of [
      ['{}', 'application/json', 400],
      ['[]', 'application/json', 400],
      ['{"answers": {', 'application/json', 400],
      ['answers=1', 'application/x-www-form-urlencoded', 415],
      ['"just a string"', 'application/json', 400],
    ] as const) {
      const res = await post(withEvidence, '/api/v1/recommendations', body, type);
      assert.equal(res.status, status, `${type} ${body}`);
      const text = await res.text();
      assertNoLeak(text);
      assertMatchesSchema('Error', JSON.parse(text));
    }
  });

  test('an oversized body gets a 413 JSON error', async () => {
    const big = JSON.stringify({ answers: {}, padding: 'x'.repeat(40 * 1024) });
    const res = await post(withEvidence, '/api/v1/recommendations', big);
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: string };
    assert.equal(body.error, 'payload_too_large');
  });

  test('the wrong method gets a 405 with Allow; unknown API routes a JSON 404', async () => {
    const res = await fetch(`${withEvidence.baseUrl}/api/v1/recommendations`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    const nf = await fetch(`${withEvidence.baseUrl}/api/v1/nope`);
    assert.equal(nf.status, 404);
    assertMatchesSchema('Error', await nf.json());
  });

  test('no client input produces a 5xx (random JSON bodies)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ answers: fc.dictionary(fc.string(), fc.jsonValue()) }), fc.record({ answers: fc.constant({}), weights: fc.dictionary(fc.constantFrom('cost', 'low-ops', 'x'), fc.jsonValue()) })), async (value) => {
        const res = await post(withEvidence, '/api/v1/recommendations', JSON.stringify(value));
        const text = await res.text();
        assert.ok(res.status < 500, `${res.status} for ${JSON.stringify(value)}`);
        assertNoLeak(text);
      }),
      { numRuns: 150 },
    );
  });
});

describe('POST /api/v1/adr', () => {
  test('exports a Markdown ADR as an attachment', async () => {
    const res = await post(withEvidence, '/api/v1/adr', JSON.stringify({ answers: { platform: 'dotnet', 'postgres-skills': 'production', experience: 'new', 'read-model-consistency': 'same-transaction' }, title: 'Orders service event store' }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="adr-event-store-2026-11-26.md"');
    const md = await res.text();
    assert.match(md, /^# ADR: Orders service event store/);
    assert.match(md, /We will use \*\*Marten/);
  });

  test('refuses bad input with field-level messages', async () => {
    const res = await post(withEvidence, '/api/v1/adr', JSON.stringify({ answers: {}, title: '' , format: 'pdf' }));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { issues: { field: string }[] };
    assert.deepEqual(body.issues.map((i) => i.field).sort(), ['format', 'title']);
  });
});

describe('docs as HTML', () => {
  test('a Markdown page is served as HTML with heading anchors that the evidence links use', async () => {
    const res = await fetch(`${withEvidence.baseUrl}/docs/capabilities.md`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /<h3 id="appendexpected-version">/, 'the matrix link /docs/capabilities.md#appendexpected-version lands on its heading');
    assert.match(html, /<link rel="stylesheet" href="\/docs.css">/);
    assert.doesNotMatch(html, /<script/);
    const advisor = await (await fetch(`${withEvidence.baseUrl}/docs/advisor.md`)).text();
    assert.match(advisor, /<img src="screenshots\/advisor-/, 'images render');
    assert.equal((await fetch(`${withEvidence.baseUrl}/docs/screenshots/advisor-results.png`)).status, 200);
  });

  test('paths outside docs/ and missing pages are 404s', async () => {
    for (const path of ['/docs/..%2Fpackage.json', '/docs/%2e%2e/README.md', '/docs/nope.md']) {
      const res = await fetch(`${withEvidence.baseUrl}${path}`);
      assert.equal(res.status, 404, path);
    }
  });
});

describe('headers', () => {
  test('security headers are set and the framework is not advertised', async () => {
    for (const path of ['/', '/api/v1/questionnaire', '/healthz']) {
      const res = await fetch(`${withEvidence.baseUrl}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.match(csp, /object-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-powered-by'), null);
      assert.ok(res.headers.get('referrer-policy'));
    }
  });
});

describe('OpenAPI document', () => {
  interface Layer {
    name?: string;
    rawPath?: string;
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }

  function routesOf(app: Express): string[] {
    const out: string[] = [];
    const walk = (stack: Layer[], prefix: string) => {
      for (const layer of stack) {
        if (layer.route) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') out.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
          }
        } else if (layer.name === 'router' && layer.handle?.stack) {
          walk(layer.handle.stack, prefix + (layer.rawPath ?? ''));
        }
      }
    };
    walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
    return out.sort();
  }

  test('documents exactly the routes the app serves', () => {
    const served = routesOf(createAdvisorApp()).map((r) => r.replace(/:(\w+)/g, '{$1}'));
    const documented = Object.entries(openapi.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.ok(served.length >= 8, `found routes: ${served.join(', ')}`);
    assert.deepEqual(served, documented);
  });

  test('documented request enums are exactly what the API accepts', async () => {
    const q = (await (await fetch(`${withEvidence.baseUrl}/api/v1/questionnaire`)).json()) as { questions: { id: string; options: { id: string }[] }[] };
    const props = openapi.components.schemas.Answers.properties as Record<string, { enum: string[] }>;
    assert.deepEqual(Object.keys(props).sort(), q.questions.map((x) => x.id).sort());
    for (const question of q.questions) {
      for (const value of props[question.id]?.enum ?? []) {
        const res = await post(withEvidence, '/api/v1/recommendations', JSON.stringify({ answers: { [question.id]: value } }));
        assert.equal(res.status, 200, `${question.id}=${value} is documented but refused`);
      }
    }
  });
});
