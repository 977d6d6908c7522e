// The knowledge base is reviewed like code; these checks keep it internally consistent.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRITERIA } from './criteria.ts';
import { QUESTIONS } from './questions.ts';
import { TECHNOLOGIES } from './technologies.ts';
import { CRITERION_IDS, DONT_KNOW, TECHNOLOGY_IDS } from './types.ts';

describe('questionnaire', () => {
  test('has at least 12 questions with unique ids, each saying why it matters', () => {
    assert.ok(QUESTIONS.length >= 12, `only ${QUESTIONS.length} questions`);
    assert.equal(new Set(QUESTIONS.map((q) => q.id)).size, QUESTIONS.length);
    for (const q of QUESTIONS) assert.ok(q.why.length > 20, `question ${q.id} needs a "why"`);
  });

  test('options have unique ids, never the reserved "don\'t know" id, and weights on known criteria in 0..5', () => {
    for (const q of QUESTIONS) {
      assert.ok(q.options.length >= 2, q.id);
      assert.equal(new Set(q.options.map((o) => o.id)).size, q.options.length, q.id);
      for (const o of q.options) {
        assert.notEqual(o.id, DONT_KNOW);
        for (const [c, w] of Object.entries(o.weights)) {
          assert.ok((CRITERION_IDS as readonly string[]).includes(c), `${q.id}/${o.id}: unknown criterion ${c}`);
          assert.ok(typeof w === 'number' && w >= 0 && w <= 5, `${q.id}/${o.id}: weight ${String(w)}`);
        }
        for (const k of o.knockOuts ?? []) assert.ok((TECHNOLOGY_IDS as readonly string[]).includes(k.technology));
      }
    }
  });

  test('covers the topics the issue asks for', () => {
    const ids = QUESTIONS.map((q) => q.id);
    for (const topic of ['platform', 'postgres-skills', 'cloud', 'write-throughput', 'read-throughput', 'read-patterns', 'subscriptions', 'ordering', 'retention', 'compliance', 'operations', 'budget', 'multi-region', 'latency', 'experience', 'integration', 'projections', 'read-model-consistency']) {
      assert.ok(ids.includes(topic), `missing question on ${topic}`);
    }
  });
});

describe('technology profiles', () => {
  test('one profile per technology, each rating every criterion 0..5 with a rationale and a source', () => {
    assert.deepEqual(TECHNOLOGIES.map((t) => t.id).sort(), [...TECHNOLOGY_IDS].sort());
    assert.deepEqual(CRITERIA.map((c) => c.id), [...CRITERION_IDS]);
    for (const t of TECHNOLOGIES) {
      for (const c of CRITERION_IDS) {
        const r = t.ratings[c];
        assert.ok(Number.isInteger(r.rating) && r.rating >= 0 && r.rating <= 5, `${t.id}/${c}`);
        assert.ok(r.rationale.length > 10, `${t.id}/${c}: rationale`);
        assert.ok(r.sources.length > 0, `${t.id}/${c}: source`);
      }
    }
  });

  test('every weakness (rating 2 or lower) has a mitigation', () => {
    for (const t of TECHNOLOGIES) {
      for (const c of CRITERION_IDS) {
        const r = t.ratings[c];
        if (r.rating <= 2) assert.ok(r.mitigation && r.mitigation.length > 10, `${t.id}/${c} is rated ${r.rating} without mitigation`);
      }
    }
  });

  test('lab sources cite known scenarios of their own backend; Marten cites documentation only', () => {
    for (const t of TECHNOLOGIES) {
      for (const c of CRITERION_IDS) {
        for (const s of t.ratings[c].sources) {
          if (s.kind === 'lab') {
            assert.notEqual(t.id, 'marten', 'Marten has no lab');
            assert.equal(s.backend, t.id, `${t.id}/${c} cites another backend's lab`);
            assert.ok(s.scenarios.length > 0);
            if (s.configuration) {
              // A configuration of the same technology (postgres-cluster of postgres), with a lab page that exists.
              assert.ok(s.configuration.column.startsWith(`${t.id}-`), `${t.id}/${c} cites ${s.configuration.column}, not a configuration of ${t.id}`);
              assert.ok(existsSync(fileURLToPath(new URL(`../../docs/labs/${s.configuration.page}.md`, import.meta.url))), `${t.id}/${c}: docs/labs/${s.configuration.page}.md`);
            }
          } else if (s.kind === 'benchmark') {
            assert.notEqual(t.id, 'marten', 'Marten was not benchmarked');
            assert.equal(s.backend, t.id, `${t.id}/${c} cites another backend's benchmark`);
          } else {
            assert.match(s.url, /^https:\/\//, `${t.id}/${c}: ${s.url}`);
          }
        }
      }
    }
  });

  test('hard constraints are knock-outs: Marten needs .NET, DynamoDB needs AWS, Kafka lacks optimistic concurrency', () => {
    const knocked = (qid: string, oid: string) => QUESTIONS.find((q) => q.id === qid)?.options.find((o) => o.id === oid)?.knockOuts?.map((k) => k.technology) ?? [];
    assert.ok(knocked('platform', 'node').includes('marten'));
    assert.ok(!knocked('platform', 'dotnet').includes('marten'));
    assert.ok(knocked('cloud', 'on-premises').includes('dynamodb'));
    assert.ok(knocked('concurrency', 'required').includes('kafka'));
    assert.deepEqual(knocked('write-throughput', 'extreme').sort(), ['eventstoredb', 'marten', 'postgres']);
  });

  test('the questionnaire can say what real teams say (issue 13)', () => {
    const option = (qid: string, oid: string) => QUESTIONS.find((q) => q.id === qid)?.options.find((o) => o.id === oid);
    assert.ok(option('projections', 'in-store')?.weights['server-side-projections'], 'server-side projections');
    assert.ok(option('read-model-consistency', 'same-transaction')?.weights['transactional-read-models'], 'read models in the same transaction');
    assert.ok(option('write-throughput', 'extreme'), 'more than 100,000 events per second');
    assert.equal(option('read-patterns', 'log-only')?.weights['stream-reads'], undefined, '"we never load one entity\'s stream" weighs no stream reads');
  });
});
