// The result section: the decision (clear, tie or not enough answers: the page says what the API
// says), the chart, the ranking with explanations and evidence, sensitivity, neutral questions, weights.
import { $, fmt, h } from './dom.js';
import { benchmarksBlock, breakdownTable, contributionsList, sourceLink } from './evidence-view.js';

const SHORT = { eventstoredb: 'EventStoreDB', postgres: 'PostgreSQL', kafka: 'Kafka', dynamodb: 'DynamoDB', marten: 'Marten' };
// Colours for up to 22 criteria, each at least 3:1 against white (WCAG non-text contrast).
const palette = (i, n) => `hsl(${Math.round((i * 360) / Math.max(n, 1) + 200) % 360} 60% ${i % 2 ? 36 : 44}%)`;

function sourceLabel(questionnaire, src) {
  if (src.kind === 'baseline') return 'Baseline';
  if (src.kind === 'override') return `Your weight for ${questionnaire.criteria.find((c) => c.id === src.criterion)?.name ?? src.criterion}`;
  const q = questionnaire.questions.find((x) => x.id === src.questionId);
  return `${q ? q.text : src.questionId} → ${src.label}`;
}

/** "“JVM”, “Go” or “Python” rules out Marten": options grouped by what they rule out. */
function ruledOut(options) {
  const groups = new Map();
  for (const o of options) {
    const key = o.rulesOut.map((t) => SHORT[t] ?? t).join(', ');
    groups.set(key, [...(groups.get(key) ?? []), `“${o.label}”`]);
  }
  return [...groups].map(([out, labels]) => `${labels.length > 1 ? `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}` : labels[0]} rules out ${out}`).join('; ');
}

const jump = (questionId, text) => h('a', { href: `#q-${questionId}`, text });

export function renderSummary(rec) {
  const d = rec.decisionDetail;
  const box = $('summary');
  box.replaceChildren();
  box.className = `summary card decision-${d.decision}`;
  box.dataset.decision = d.decision;
  if (d.decision === 'clear') {
    const top = rec.ranking.find((r) => r.technology === rec.top);
    box.append(
      h('p', { class: 'eyebrow', text: 'Recommendation' }),
      h('p', { class: 'big', id: 'top-name' }, top.name, ' ', h('span', { class: 'score-pill', text: `${fmt(top.score)} / 100` })),
      h('p', { text: top.summary }),
      h('p', { class: 'decision-text', text: d.summary }),
    );
  } else if (d.decision === 'tie') {
    box.append(
      h('p', { class: 'eyebrow', text: 'No recommendation: a tie' }),
      h('p', { class: 'big', id: 'tie-names', text: d.tied.map((t) => `${t.name} ${fmt(t.score)}`).join(' · ') }),
      h('p', { class: 'decision-text', text: `These are within ${d.tieMargin} points of each other, closer than one rating step: the advisor does not pick between them.` }),
    );
    if (d.separatedBy.length || d.separatingKnockOuts.length) {
      // Answers grouped by question: "How experienced…? → New to it, Some projects behind us".
      const grouped = (answers) => {
        const byQuestion = new Map();
        for (const a of answers) byQuestion.set(a.questionId, [...(byQuestion.get(a.questionId) ?? [a.question]), a.label]);
        return [...byQuestion].flatMap(([qid, [question, ...labels]], i) => [i ? '; ' : '', jump(qid, question), ` → ${labels.join(' or ')}`]);
      };
      box.append(
        h('h3', { class: 'h4', text: 'What would separate them' }),
        h(
          'ul',
          { id: 'separators' },
          d.separatingKnockOuts.map((k) => h('li', {}, jump(k.questionId, k.question), ': ', ruledOut(k.options))),
          d.separatedBy.map((s) => h('li', {}, h('strong', { text: `${s.name}: ` }), s.ratings.map((r) => `${SHORT[r.technology] ?? r.technology} ${r.rating}/5`).join(', '), '. ', s.answers.length ? ['Weighted by ', ...grouped(s.answers)] : '')),
        ),
      );
    }
  } else if (d.decision === 'insufficient-answers') {
    box.append(
      h('p', { class: 'eyebrow', text: 'No recommendation yet' }),
      h('p', { class: 'big', text: 'Not enough answers' }),
      h('p', { class: 'decision-text', text: `${d.answeredCount} of at least ${d.minAnswered} answers. The ranking below is provisional.` }),
      h('h3', { class: 'h4', text: 'The questions that would move it most' }),
      h('ol', { id: 'questions-that-matter' }, d.questionsThatMatterMost.map((q) => h('li', {}, jump(q.questionId, q.text), q.couldPutFirst.length > 1 ? h('span', { class: 'muted', text: ` (could put ${q.couldPutFirst.map((t) => SHORT[t] ?? t).join(', ')} first)` }) : ''))),
    );
  } else {
    box.append(h('p', { class: 'big', text: 'No option survives the knock-out constraints.' }), h('p', { text: d.summary }));
  }
}

export function renderChart(state, rec) {
  const eligible = rec.ranking.filter((r) => r.eligible);
  const criteria = rec.weights.filter((w) => w.weight > 0);
  const ChartCtor = window.Chart;
  const canvas = $('breakdown-chart');
  if (state.chart) state.chart.destroy();
  state.chart = null;
  const legend = $('chart-legend');
  legend.replaceChildren(...criteria.map((w, i) => h('li', {}, h('span', { class: 'swatch', 'data-colour': i }), w.name)));
  legend.querySelectorAll('.swatch').forEach((el, i) => {
    el.style.background = palette(i, criteria.length); // CSSOM, not a style attribute: allowed by the CSP
  });
  if (!ChartCtor) {
    canvas.replaceWith(h('p', { class: 'error', text: 'The chart library did not load; the numbers are in the ranking below.' }));
    return;
  }
  const narrow = window.matchMedia('(max-width: 600px)').matches;
  canvas.setAttribute('aria-label', `Stacked bar chart of scores: ${eligible.map((r) => `${SHORT[r.technology] ?? r.name} ${fmt(r.score)}`).join(', ')}. The same numbers are in the ranking below.`);
  state.chart = new ChartCtor(canvas, {
    type: 'bar',
    data: {
      // Short names: the long ones do not fit beside the bars on a phone.
      labels: eligible.map((r) => SHORT[r.technology] ?? r.name),
      datasets: criteria.map((w, i) => ({
        label: w.name,
        data: eligible.map((r) => r.breakdown.find((b) => b.criterion === w.criterion)?.points ?? 0),
        backgroundColor: palette(i, criteria.length),
        borderColor: '#ffffff',
        borderWidth: 1,
      })),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, min: 0, max: 100, title: { display: true, text: 'Score (0–100)', color: '#1c2230' }, ticks: { color: '#1c2230', stepSize: narrow ? 25 : 10 } },
        y: { stacked: true, ticks: { color: '#1c2230', font: { size: narrow ? 12 : 13, weight: 'bold' } } },
      },
      // The legend is an HTML list under the chart (#chart-legend): it wraps on a phone instead of being cut.
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.x)} points` } } },
    },
  });
  canvas.parentElement.style.height = `${Math.max(200, eligible.length * (narrow ? 44 : 52) + 60)}px`;
}

export function renderRanking(rec, questionnaire) {
  const list = $('ranking');
  list.replaceChildren();
  for (const r of rec.ranking) {
    const head = h(
      'div',
      { class: 'rank-head' },
      h('span', { class: 'rank-no', text: r.rank ? `#${r.rank}` : '✕' }),
      h('span', { class: 'rank-name', text: r.name }),
      r.eligible ? h('span', { class: 'score-pill', text: `${fmt(r.score)}` }) : h('span', { class: 'badge knocked', text: 'knocked out' }),
    );
    let bar = null;
    if (r.eligible) {
      const fill = h('span');
      fill.style.width = `${Math.max(0, Math.min(100, r.score))}%`; // CSSOM, not a style attribute: allowed by the CSP
      bar = h('div', { class: 'scorebar', 'aria-hidden': 'true' }, fill);
    }
    const body = [h('p', { class: 'muted', text: r.summary })];
    if (!r.eligible) {
      body.push(h('ul', { class: 'knockouts' }, r.knockOuts.map((k) => h('li', {}, h('strong', { text: `Because you answered “${k.answerLabel}”: ` }), k.reason, ' ', k.source ? sourceLink(k.source) : ''))));
    }
    body.push(
      h(
        'div',
        { class: 'two-col' },
        h('div', {}, h('h4', { text: 'Strengths' }), r.strengths.length ? h('ul', {}, r.strengths.map((s) => h('li', {}, h('strong', { text: `${s.name} (${s.rating}/5): ` }), s.rationale ?? ''))) : h('p', { class: 'muted', text: 'No strongly rated criterion carries weight.' })),
        h('div', {}, h('h4', { text: 'Risks and mitigations' }), r.risks.length ? h('ul', {}, r.risks.map((s) => h('li', {}, h('strong', { text: `${s.name} (${s.rating}/5): ` }), s.rationale ?? '', h('br'), h('em', { text: 'Mitigation: ' }), s.mitigation ?? 'none recorded'))) : h('p', { class: 'muted', text: 'No weighted criterion is rated 2 or lower.' })),
      ),
    );
    const details = h(
      'details',
      { class: 'explain' },
      h('summary', { text: `Why ${r.eligible ? fmt(r.score) : 'it is ruled out'}: breakdown, contributions and evidence` }),
      breakdownTable(r),
      contributionsList(r, (src) => sourceLabel(questionnaire, src)),
      h('h4', { text: 'Benchmarks' }),
      benchmarksBlock(r, rec.evidence),
    );
    list.append(h('li', { class: `rank-card card${r.eligible ? '' : ' out'}`, 'data-technology': r.technology }, head, bar, ...body, details));
  }
}

export function renderSensitivity(rec) {
  const s = rec.sensitivity;
  const box = $('sensitivity');
  box.replaceChildren(h('p', { text: s.summary }));
  if (s.answerChanges.length) {
    const pairs = s.answerChanges[0].steps.length > 1;
    box.append(h('h4', { text: pairs ? 'Two answers that together would change the leader (most decisive first)' : 'One answer that would change the leader (most decisive first)' }));
    box.append(
      h(
        'ul',
        { id: 'answer-changes' },
        s.answerChanges.map((c) => h('li', {}, c.steps.map((st, i) => [i ? ' and ' : '', h('em', { text: st.question }), ` “${st.fromLabel}” → “${st.toLabel}”`]), h('strong', { text: ` ⇒ ${c.newTopName}` }), h('span', { class: 'muted', text: ` (leads by ${fmt(c.newLead)})` }))),
      ),
    );
  }
  if (s.weightChanges.length) {
    box.append(h('h4', { text: 'The smallest weight changes that would change it' }));
    box.append(h('ul', {}, s.weightChanges.slice(0, 5).map((w) => h('li', { text: `${w.direction === 'raise' ? 'Raise' : 'Lower'} ${w.name} from ${fmt(w.from)} to ${w.direction === 'raise' ? 'above' : 'below'} ${fmt(w.to)} ⇒ ${w.newTopName}` }))));
  }
}

export function renderNeutral(rec, questionnaire) {
  const box = $('neutral');
  box.replaceChildren();
  const text = (n) => n.text ?? questionnaire.questions.find((q) => q.id === n.questionId)?.text ?? n.questionId;
  if (!rec.neutral.length) box.append(h('p', { text: 'Every question was answered.' }));
  else box.append(h('p', { text: `${rec.neutral.length} question(s) answered “Don’t know”: neutral, they add no weight and rule nothing out.` }), h('ul', {}, rec.neutral.map((n) => h('li', {}, jump(n.questionId, text(n))))));
}

export function renderWeights(rec) {
  const box = $('weights');
  box.replaceChildren();
  for (const w of rec.weights) {
    const id = `w-${w.criterion}`;
    box.append(
      h(
        'div',
        { class: `weight${w.override !== null ? ' changed' : ''}` },
        h('label', { for: id, text: w.name }),
        h('input', { id, type: 'number', min: 0, max: 20, step: 0.5, value: fmt(w.weight), 'data-criterion': w.criterion }),
        h('span', { class: 'muted', text: `from answers: ${fmt(w.derived)}` }),
      ),
    );
  }
}

export function renderEvidence(rec) {
  const box = $('evidence');
  box.replaceChildren(
    h('p', {}, h('strong', { text: 'Conformance results: ' }), rec.evidence.capabilitiesGeneratedAt ? `generated ${new Date(rec.evidence.capabilitiesGeneratedAt).toLocaleString()} — ` : 'not available yet (scenario links show “not run yet”). ', h('a', { href: '/docs/capabilities.md', text: 'capability matrix' })),
    h('p', {}, h('strong', { text: 'Benchmarks: ' }), rec.evidence.benchmarksStartedAt ? `latest run started ${new Date(rec.evidence.benchmarksStartedAt).toLocaleString()}; figures are listed under each option, labelled by target, mode and saturation.` : 'No benchmark results yet.'),
  );
}
