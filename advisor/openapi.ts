// The OpenAPI 3.1 document of the advisor's API. Built from the same knowledge data as the validators,
// so the documented enums cannot drift from what the API accepts; a test checks that every route of the
// app is documented (and nothing else) and that responses validate against these schemas.
import { QUESTIONS } from './knowledge/questions.ts';
import { BENCHMARK_SOURCE_MODES, CRITERION_IDS, TECHNOLOGY_IDS, LAB_BACKENDS, DONT_KNOW } from './knowledge/types.ts';
import { EVIDENCE_LABEL } from './recommendation.ts';

const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const err = (d: string) => json(ref('Error'), d);
const answers = {
  type: 'object', additionalProperties: false,
  description: `One property per question id; the value is an option id or "${DONT_KNOW}". Missing questions count as "${DONT_KNOW}".`,
  properties: Object.fromEntries(QUESTIONS.map((q) => [q.id, { type: 'string', enum: [...q.options.map((o) => o.id), DONT_KNOW], description: q.text }])),
};
const weights = {
  type: 'object', additionalProperties: false,
  description: 'Optional weight per criterion (0..20) replacing the weight the answers give it.',
  properties: Object.fromEntries(CRITERION_IDS.map((c) => [c, { type: 'number', minimum: 0, maximum: 20 }])),
};
const str = { type: 'string' };
const num = { type: 'number' };
const obj = (properties: Record<string, object>, required = Object.keys(properties), extra: object = {}) => ({ type: 'object', properties, required, additionalProperties: false, ...extra });
const arr = (items: object) => ({ type: 'array', items });
const nullable = (s: object) => ({ oneOf: [s, { type: 'null' }] });
const rating = { type: 'integer', minimum: 0, maximum: 5 };
const techId = { type: 'string', enum: [...TECHNOLOGY_IDS] };
const criterionId = { type: 'string', enum: [...CRITERION_IDS] };
/** Scenario ids come from the conformance suite (docs/capabilities.json), not from a list kept here. */
const scenarioId = { type: 'string', pattern: '^[a-z]+\\.[a-z0-9-]+$' };
const benchMode = { type: 'string', enum: [...BENCHMARK_SOURCE_MODES] };
/** How a rating is supported: measured here, on an emulator only, or documentation only. */
const evidenceLevel = { type: 'string', enum: Object.keys(EVIDENCE_LABEL) };
const bool = { type: 'boolean' };
const scoredOption = obj({ technology: techId, name: str, score: num });

const weightSource = { oneOf: [
  obj({ kind: { const: 'baseline' } }),
  obj({ kind: { const: 'answer' }, questionId: str, optionId: str, label: str }),
  obj({ kind: { const: 'override' }, criterion: criterionId }),
] };

export function buildOpenApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: 'Event Store Workbench design advisor', version: '1.0.0', description: 'Scores EventStoreDB (KurrentDB), PostgreSQL, Kafka, DynamoDB and Marten against a team\'s requirements. Methodology: docs/advisor.md.' },
    servers: [{ url: 'http://localhost:3000' }],
    paths: {
      '/healthz': { get: { operationId: 'health', summary: 'Liveness', responses: { 200: json(obj({ status: { const: 'ok' } }), 'The service is up.') } } },
      '/api/v1/questionnaire': { get: { operationId: 'getQuestionnaire', summary: 'Questions, answer options (with the weights they add and the knock-outs they trigger) and criteria', responses: { 200: json(ref('Questionnaire'), 'The questionnaire.') } } },
      '/api/v1/technologies': { get: { operationId: 'listTechnologies', summary: 'Technology profiles: rating, rationale and sources per criterion', responses: { 200: json(obj({ technologies: arr(ref('Technology')) }), 'All profiles.') } } },
      '/api/v1/technologies/{id}': { get: { operationId: 'getTechnology', summary: 'One technology profile', parameters: [{ name: 'id', in: 'path', required: true, schema: techId }], responses: { 200: json(ref('Technology'), 'The profile.'), 404: err('Unknown technology.') } } },
      '/api/v1/evidence': { get: { operationId: 'getEvidence', summary: 'Conformance results and benchmark figures the advisor found (null when absent)', responses: { 200: json(ref('Evidence'), 'Evidence snapshot.') } } },
      '/api/v1/recommendations': { post: { operationId: 'recommend', summary: 'Score the options for a set of answers: a decision (clear, tie or insufficient answers), the ranking and its sensitivity', parameters: [{ name: 'detail', in: 'query', required: false, schema: { type: 'string', enum: ['lean', 'full'], default: 'lean' }, description: 'lean (default): the decision, ranking and sensitivity; full: also every criterion\'s breakdown with resolved sources, each answer\'s contribution and the benchmark figures.' }], requestBody: { required: true, content: { 'application/json': { schema: ref('RecommendationRequest') } } }, responses: { 200: json(ref('Recommendation'), 'Ranked, explained recommendation.'), 400: err('Invalid body, with field-level issues.'), 413: err('Body larger than 32 kB.'), 415: err('Body is not application/json.') } } },
      '/api/v1/adr': { post: { operationId: 'exportAdr', summary: 'The recommendation as a Markdown architecture decision record', requestBody: { required: true, content: { 'application/json': { schema: ref('AdrRequest') } } }, responses: { 200: { description: 'Markdown ADR (attachment).', content: { 'text/markdown': { schema: str } } }, 400: err('Invalid body, with field-level issues.'), 413: err('Body larger than 32 kB.'), 415: err('Body is not application/json.') } } },
      '/api/v1/openapi.json': { get: { operationId: 'openapi', summary: 'This document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1 document.') } } },
    },
    components: {
      schemas: {
        Error: obj({ error: str, message: str, issues: arr(obj({ field: str, message: str })) }, ['error']),
        Answers: answers,
        Weights: weights,
        RecommendationRequest: obj({ answers: ref('Answers'), weights: ref('Weights') }, ['answers']),
        AdrRequest: obj({ answers: ref('Answers'), weights: ref('Weights'), title: { type: 'string', minLength: 1, maxLength: 120 } }, ['answers']),
        Source: { oneOf: [
          obj({ kind: { const: 'docs' }, title: str, url: str }),
          obj({ kind: { const: 'lab' }, backend: { type: 'string', enum: [...LAB_BACKENDS] }, scenarios: arr(scenarioId), configuration: obj({ column: str, page: str }) }, ['kind', 'backend', 'scenarios']),
          obj({ kind: { const: 'benchmark' }, backend: { type: 'string', enum: [...LAB_BACKENDS] }, column: str, results: str, mode: benchMode, workload: str, section: str }, ['kind', 'backend', 'results', 'mode', 'workload', 'section']),
        ] },
        ResolvedSource: { oneOf: [
          obj({ kind: { const: 'docs' }, title: str, url: str }),
          obj({ kind: { const: 'lab' }, backend: { type: 'string', enum: [...LAB_BACKENDS] }, column: str, title: str, url: str, scenarios: arr(obj({ id: scenarioId, status: { type: 'string', enum: ['pass', 'fail', 'unsupported', 'skipped', 'not-run'] }, detail: str, matrixUrl: str, caveats: arr(obj({ text: str, emulated: bool })), emulated: bool })), emulator: bool }),
          obj({ kind: { const: 'benchmark' }, backend: { type: 'string', enum: [...LAB_BACKENDS] }, column: str, mode: benchMode, workload: str, results: str, title: str, url: str, startedAt: nullable(str), figures: arr(str), missing: nullable(str), emulator: nullable(str), machineBusy: bool }),
        ] },
        Questionnaire: obj({
          dontKnow: { const: DONT_KNOW },
          questions: arr(obj({ id: str, section: str, text: str, why: str, options: arr(obj({ id: str, label: str, weights: { type: 'object', additionalProperties: num }, knockOuts: arr(obj({ technology: techId, reason: str, source: ref('Source') })) }, ['id', 'label', 'weights'])) })),
          criteria: arr(obj({ id: criterionId, name: str, description: str })),
          baseline: { type: 'object', additionalProperties: num },
        }),
        Technology: obj({
          id: techId, name: str, summary: str, homepage: str,
          ratings: arr(obj({ criterion: criterionId, name: str, rating, rationale: str, mitigation: nullable(str), sources: arr(ref('ResolvedSource')), evidence: evidenceLevel })),
          knockOuts: arr(obj({ questionId: str, optionId: str, answerLabel: str, reason: str })),
        }),
        BenchmarkFigure: obj({
          workload: str,
          target: { type: 'string', enum: ['store', 'raw', 'http'] },
          targetLabel: str,
          mode: { type: 'string', enum: ['open', 'closed', 'max-rate', 'sweep'] },
          offeredRate: nullable(num),
          concurrency: nullable(num),
          throughput: num, p50Ms: num, p99Ms: num, errors: num, conflicts: num, unsent: num,
          saturated: bool,
          saturation: arr(str),
          saturationFrom: { type: 'string', enum: ['results', 'derived'] },
          saturatedAt: nullable(num),
          offeredRange: nullable(obj({ min: num, max: num })),
          p99Note: nullable(str),
          server: obj({ name: str, description: str, emulator: nullable(str) }),
          machineBusy: nullable(str),
        }),
        GrowthFigure: obj({
          workload: str, target: { type: 'string', enum: ['store', 'raw'] }, targetLabel: str,
          server: obj({ name: str, description: str, emulator: nullable(str) }),
          steps: arr(obj({ storedEvents: num, appendP50Ms: num, appendP99Ms: num, readStreamP99Ms: num, catchUpEventsPerSecond: num, bytesPerEvent: nullable(num), bytesNote: nullable(str), openSeconds: nullable(num), saturated: bool, machineBusy: nullable(str) })),
        }),
        Benchmarks: obj({
          startedAt: str, loadAverage: nullable(arr(num)), cores: nullable(num), machineBusy: nullable(str),
          byBackend: { type: 'object', additionalProperties: arr(ref('BenchmarkFigure')) },
          growthByBackend: { type: 'object', additionalProperties: arr(ref('GrowthFigure')) },
        }),
        Evidence: obj({
          capabilities: nullable(obj({ generatedAt: str, results: { type: 'object' }, caveats: { type: 'object' }, titles: { type: 'object', additionalProperties: str } })),
          benchmarks: nullable(ref('Benchmarks')),
          /** The committed results files the ratings' benchmark sources cite, by name (null: absent or unparsable). */
          cited: { type: 'object', additionalProperties: nullable(ref('Benchmarks')) },
          note: str,
        }),
        StrengthOrRisk: obj({ criterion: criterionId, name: str, rating, weight: num, rationale: str, mitigation: nullable(str) }, ['criterion', 'rating', 'weight']),
        TechnologyResult: obj(
          {
            technology: techId, name: str, summary: str, eligible: bool, rank: nullable({ type: 'integer', minimum: 1 }),
            score: { type: 'number', minimum: 0, maximum: 100 },
            knockOuts: arr(obj({ questionId: str, answerLabel: str, reason: str, source: ref('ResolvedSource') }, ['questionId', 'answerLabel', 'reason'])),
            strengths: arr(ref('StrengthOrRisk')),
            risks: arr(ref('StrengthOrRisk')),
            // detail=full only:
            breakdown: arr(obj({ criterion: criterionId, name: str, weight: num, rating, points: num, rationale: str, sources: arr(ref('ResolvedSource')), evidence: evidenceLevel })),
            contributions: arr(obj({ source: weightSource, points: num })),
            benchmarks: nullable(obj({ startedAt: str, figures: arr(ref('BenchmarkFigure')) })),
          },
          ['technology', 'name', 'eligible', 'rank', 'score', 'knockOuts', 'strengths', 'risks'],
        ),
        AnswerChange: obj({ steps: arr(obj({ questionId: str, question: str, from: str, fromLabel: str, to: str, toLabel: str }, ['questionId', 'from', 'to'])), newTop: techId, newTopName: str, newLead: num }),
        Decision: obj({
          decision: { type: 'string', enum: ['clear', 'tie', 'insufficient-answers', 'no-option'] },
          summary: str,
          tieMargin: num,
          minAnswered: num,
          answeredCount: num,
          leader: nullable(scoredOption),
          winner: nullable(scoredOption),
          runnerUp: nullable(scoredOption),
          margin: nullable(num),
          tied: arr(scoredOption),
          separatedBy: arr(obj({ criterion: criterionId, name: str, ratings: arr(obj({ technology: techId, rating })), favours: techId, answers: arr(obj({ questionId: str, question: str, optionId: str, label: str })) })),
          separatingKnockOuts: arr(obj({ questionId: str, question: str, options: arr(obj({ optionId: str, label: str, rulesOut: arr(techId) })) })),
          questionsThatMatterMost: arr(obj({ questionId: str, text: str, impact: num, couldPutFirst: arr(techId) })),
        }),
        WeightChange: obj({ criterion: criterionId, name: str, from: num, to: num, direction: { type: 'string', enum: ['raise', 'lower'] }, newTop: techId, newTopName: str }),
        Recommendation: obj({
          detail: { type: 'string', enum: ['lean', 'full'] },
          decision: { type: 'string', enum: ['clear', 'tie', 'insufficient-answers', 'no-option'] },
          decisionDetail: ref('Decision'),
          top: nullable(techId),
          leader: nullable(techId),
          totalWeight: num,
          weights: arr(obj({ criterion: criterionId, name: str, derived: num, override: nullable(num), weight: num, sources: arr(obj({ source: weightSource, amount: num })) }, ['criterion', 'derived', 'override', 'weight'])),
          answered: arr(obj({ questionId: str, text: str, optionId: str, label: str }, ['questionId', 'optionId'])),
          neutral: arr(obj({ questionId: str, text: str }, ['questionId'])),
          ranking: arr(ref('TechnologyResult')),
          sensitivity: obj({
            top: nullable(techId),
            runnerUp: nullable(obj({ technology: techId, name: str, gap: num })),
            answerChanges: arr(ref('AnswerChange')),
            answerTrials: num,
            weightChanges: arr(ref('WeightChange')),
            summary: str,
          }),
          evidence: obj({ capabilitiesGeneratedAt: nullable(str), benchmarksStartedAt: nullable(str), benchmarksLoadAverage: nullable(arr(num)) }),
        }),
      },
    },
  };
}
