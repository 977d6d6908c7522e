// The advisor's page: renders the questionnaire from /api/v1/questionnaire, keeps the answers in the URL
// (so a link reproduces a result), and renders the recommendation from /api/v1/recommendations.
// DOM is built with textContent only: nothing from the API or the URL is parsed as HTML.

const DONT_KNOW = 'dont-know';
const state = { questionnaire: null, recommendation: null, chart: null, weights: {}, shown: false, compareQuery: '' };

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const fmt = (n) => (Math.round(n * 10) / 10).toFixed(1);

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const data = await res.json();
      if (data.issues) message = data.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      else if (data.message) message = data.message;
    } catch {
      /* keep the status line */
    }
    throw new Error(message);
  }
  return res;
}

// ---------- answers <-> URL ----------

function readAnswersFromForm() {
  const answers = {};
  for (const q of state.questionnaire.questions) {
    const checked = document.querySelector(`input[name="q-${q.id}"]:checked`);
    if (checked && checked.value !== DONT_KNOW) answers[q.id] = checked.value;
  }
  return answers;
}

/** Parses "?platform=dotnet&w.cost=3" into answers and weights, ignoring anything unknown. */
function parseQuery(search) {
  const params = new URLSearchParams(search);
  const answers = {};
  const weights = {};
  const questions = state.questionnaire.questions;
  for (const q of questions) {
    const v = params.get(q.id);
    if (v && q.options.some((o) => o.id === v)) answers[q.id] = v;
  }
  for (const c of state.questionnaire.criteria) {
    const v = params.get(`w.${c.id}`);
    const n = v === null ? NaN : Number(v);
    if (Number.isFinite(n) && n >= 0 && n <= 20) weights[c.id] = n;
  }
  return { answers, weights, vs: params.get('vs') ?? '' };
}

function toQuery(answers, weights, vs) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(answers)) params.set(k, v);
  for (const [k, v] of Object.entries(weights)) params.set(`w.${k}`, String(v));
  if (vs) params.set('vs', vs);
  return params.toString();
}

function shareUrl() {
  const q = toQuery(readAnswersFromForm(), state.weights, state.compareQuery);
  return `${location.origin}${location.pathname}${q ? `?${q}` : ''}`;
}

function syncUrl() {
  const url = shareUrl();
  history.replaceState(null, '', url);
  $('share-url').value = url;
}

// ---------- questionnaire ----------

function renderQuestionnaire(initialAnswers) {
  const root = $('questions');
  root.replaceChildren();
  const sections = [...new Set(state.questionnaire.questions.map((q) => q.section))];
  let n = 0;
  for (const section of sections) {
    const group = h('section', { class: 'q-section', 'aria-labelledby': `s-${section}` }, h('h2', { id: `s-${section}`, text: section }));
    for (const q of state.questionnaire.questions.filter((x) => x.section === section)) {
      n += 1;
      const current = initialAnswers[q.id] ?? DONT_KNOW;
      const options = [...q.options, { id: DONT_KNOW, label: 'Don’t know' }];
      const fieldset = h(
        'fieldset',
        { class: 'question card', 'data-question': q.id, 'aria-describedby': `why-${q.id}` },
        h('legend', {}, h('span', { class: 'q-number', text: `${n}.` }), ' ', q.text),
        h('p', { class: 'why', id: `why-${q.id}` }, h('strong', { text: 'Why it matters: ' }), q.why),
        h(
          'div',
          { class: 'options' },
          options.map((o) =>
            h(
              'label',
              { class: `option${o.id === DONT_KNOW ? ' dont-know' : ''}` },
              h('input', { type: 'radio', name: `q-${q.id}`, value: o.id, checked: o.id === current }),
              h('span', { text: o.label }),
            ),
          ),
        ),
      );
      group.append(fieldset);
    }
    root.append(group);
  }
  $('loading').remove();
  updateProgress();
}

function updateProgress() {
  const total = state.questionnaire.questions.length;
  const answered = Object.keys(readAnswersFromForm()).length;
  $('progress').max = total;
  $('progress').value = answered;
  $('progress-label').textContent = `${answered} of ${total} questions answered`;
  for (const fs of document.querySelectorAll('fieldset.question')) {
    const checked = fs.querySelector('input:checked');
    fs.classList.toggle('answered', Boolean(checked && checked.value !== DONT_KNOW));
  }
}

// ---------- results ----------

const palette = (i, n) => `hsl(${Math.round((i * 360) / Math.max(n, 1) + 200) % 360} 62% ${i % 2 ? 58 : 46}%)`;

function sourceLink(s) {
  if (s.kind === 'docs') return h('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank', text: s.title });
  return h(
    'span',
    { class: 'lab-source' },
    h('a', { href: s.url, text: `${s.backend} lab` }),
    ' (',
    s.scenarios.flatMap((sc, i) => [
      i ? ', ' : '',
      h('a', { href: sc.matrixUrl, title: sc.detail || 'capability matrix entry' }, h('code', { text: sc.id })),
      ' ',
      h('span', { class: `badge status-${sc.status}`, text: sc.status === 'not-run' ? 'not run yet' : sc.status }),
    ]),
    ')',
  );
}

function sourceLabel(src) {
  if (src.kind === 'baseline') return 'Baseline: what every event store must do';
  if (src.kind === 'override') return `Your weight for ${nameOfCriterion(src.criterion)}`;
  const q = state.questionnaire.questions.find((x) => x.id === src.questionId);
  return `${q ? q.text : src.questionId} → ${src.label}`;
}

const nameOfCriterion = (id) => state.questionnaire.criteria.find((c) => c.id === id)?.name ?? id;

function renderSummary(rec) {
  const top = rec.ranking.find((r) => r.technology === rec.top);
  const box = $('summary');
  box.replaceChildren();
  if (!top) {
    box.append(h('p', { class: 'big', text: 'No option survives the knock-out constraints.' }), h('p', { text: 'Review the knock-outs listed in the ranking below.' }));
    return;
  }
  box.append(
    h('p', { class: 'eyebrow', text: 'Top recommendation' }),
    h('p', { class: 'big', id: 'top-name' }, top.name, ' ', h('span', { class: 'score-pill', text: `${fmt(top.score)} / 100` })),
    h('p', { text: top.summary }),
    h('p', { class: 'muted', text: rec.sensitivity.summary }),
  );
}

function renderChart(rec) {
  const eligible = rec.ranking.filter((r) => r.eligible);
  const criteria = rec.weights.filter((w) => w.weight > 0);
  const ChartCtor = window.Chart;
  const canvas = $('breakdown-chart');
  if (state.chart) state.chart.destroy();
  state.chart = null;
  if (!ChartCtor) {
    canvas.replaceWith(h('p', { class: 'error', text: 'The chart library did not load; the numbers are in the ranking below.' }));
    return;
  }
  state.chart = new ChartCtor(canvas, {
    type: 'bar',
    data: {
      labels: eligible.map((r) => r.name),
      datasets: criteria.map((w, i) => ({
        label: w.name,
        data: eligible.map((r) => r.breakdown.find((b) => b.criterion === w.criterion)?.points ?? 0),
        backgroundColor: palette(i, criteria.length),
        borderWidth: 0,
      })),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { stacked: true, min: 0, max: 100, title: { display: true, text: 'Score (0–100)' } }, y: { stacked: true } },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12, font: { size: 11 } } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.x)} points` } },
      },
    },
  });
  canvas.parentElement.style.height = `${Math.max(220, eligible.length * 56 + 40 + Math.ceil(criteria.length / 4) * 22)}px`;
}

function breakdownTable(r) {
  const rows = r.breakdown.filter((b) => b.weight > 0);
  return h(
    'table',
    { class: 'breakdown' },
    h('caption', { text: `How ${r.name} scores ${fmt(r.score)}: points = weight × rating / (5 × total weight) × 100` }),
    h('thead', {}, h('tr', {}, ['Criterion', 'Weight', 'Rating', 'Points', 'Why this rating', 'Evidence'].map((t) => h('th', { scope: 'col', text: t })))),
    h(
      'tbody',
      {},
      rows.map((b) =>
        h('tr', {}, h('th', { scope: 'row', text: b.name }), h('td', { class: 'num', text: fmt(b.weight) }), h('td', { class: 'num' }, h('span', { class: `rating r${b.rating}`, text: `${b.rating}/5` })), h('td', { class: 'num', text: fmt(b.points) }), h('td', { text: b.rationale }), h('td', {}, b.sources.flatMap((s, i) => [i ? h('br') : '', sourceLink(s)]))),
      ),
    ),
  );
}

function contributionsList(r) {
  const items = [...r.contributions].sort((a, b) => b.points - a.points);
  return h(
    'table',
    { class: 'contributions' },
    h('caption', { text: 'Each answer’s contribution to this score' }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Answer' }), h('th', { scope: 'col', text: 'Points' }))),
    h('tbody', {}, items.map((c) => h('tr', {}, h('td', { text: sourceLabel(c.source) }), h('td', { class: 'num', text: fmt(c.points) })))),
  );
}

function benchmarksBlock(r) {
  if (!r.benchmarks) return h('p', { class: 'muted', text: state.recommendation.evidence.benchmarksStartedAt ? `No benchmark runs for ${r.name} in the latest results.` : 'No benchmark results yet.' });
  return h(
    'div',
    {},
    h('p', { text: `Measured on the machine that ran the benchmarks, ${new Date(r.benchmarks.startedAt).toLocaleString()}:` }),
    h('ul', {}, r.benchmarks.figures.map((f) => h('li', { text: `${f.workload}: ${Math.round(f.throughput).toLocaleString()} ops/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms` }))),
  );
}

function renderRanking(rec) {
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
      body.push(h('ul', { class: 'knockouts' }, r.knockOuts.map((k) => h('li', {}, h('strong', { text: `Because you answered “${k.answerLabel}”: ` }), k.reason, ' ', sourceLink(k.source)))));
    }
    const cols = h(
      'div',
      { class: 'two-col' },
      h('div', {}, h('h4', { text: 'Strengths' }), r.strengths.length ? h('ul', {}, r.strengths.map((s) => h('li', {}, h('strong', { text: `${s.name} (${s.rating}/5): ` }), s.rationale))) : h('p', { class: 'muted', text: 'No strongly rated criterion carries weight.' })),
      h('div', {}, h('h4', { text: 'Risks and mitigations' }), r.risks.length ? h('ul', {}, r.risks.map((s) => h('li', {}, h('strong', { text: `${s.name} (${s.rating}/5): ` }), s.rationale, h('br'), h('em', { text: 'Mitigation: ' }), s.mitigation ?? 'none recorded'))) : h('p', { class: 'muted', text: 'No weighted criterion is rated 2 or lower.' })),
    );
    body.push(cols);
    const details = h('details', { class: 'explain' }, h('summary', { text: `Why ${r.eligible ? fmt(r.score) : 'it is ruled out'}: breakdown, contributions and evidence` }), breakdownTable(r), contributionsList(r), h('h4', { text: 'Benchmarks' }), benchmarksBlock(r));
    list.append(h('li', { class: `rank-card card${r.eligible ? '' : ' out'}`, 'data-technology': r.technology }, head, bar, ...body, details));
  }
}

function renderSensitivity(rec) {
  const s = rec.sensitivity;
  const box = $('sensitivity');
  box.replaceChildren(h('p', { text: s.summary }));
  if (s.answerChanges.length) {
    box.append(h('h4', { text: s.answerChanges[0].steps.length === 1 ? 'One answer that would change the top recommendation' : 'Two answers that together would change the top recommendation' }));
    box.append(h('ul', {}, s.answerChanges.map((c) => h('li', {}, c.steps.map((st, i) => [i ? ' and ' : '', h('em', { text: st.question }), ` “${st.fromLabel}” → “${st.toLabel}”`]), h('strong', { text: ` ⇒ ${c.newTopName}` })))));
  }
  if (s.weightChanges.length) {
    box.append(h('h4', { text: 'The smallest weight changes that would change it' }));
    box.append(h('ul', {}, s.weightChanges.slice(0, 5).map((w) => h('li', { text: `${w.direction === 'raise' ? 'Raise' : 'Lower'} ${w.name} from ${fmt(w.from)} to ${w.direction === 'raise' ? 'above' : 'below'} ${fmt(w.to)} ⇒ ${w.newTopName}` }))));
  }
}

function renderNeutral(rec) {
  const box = $('neutral');
  box.replaceChildren();
  if (!rec.neutral.length) box.append(h('p', { text: 'Every question was answered.' }));
  else box.append(h('p', { text: `${rec.neutral.length} question(s) answered “Don’t know”: neutral, they add no weight and rule nothing out.` }), h('ul', {}, rec.neutral.map((n) => h('li', { text: n.text }))));
}

function renderWeights(rec) {
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

function renderEvidence(rec) {
  const box = $('evidence');
  box.replaceChildren(
    h('p', {}, h('strong', { text: 'Conformance results: ' }), rec.evidence.capabilitiesGeneratedAt ? `generated ${new Date(rec.evidence.capabilitiesGeneratedAt).toLocaleString()} — ` : 'not available yet (scenario links show “not run yet”). ', h('a', { href: '/docs/capabilities.md', text: 'capability matrix' })),
    h('p', {}, h('strong', { text: 'Benchmarks: ' }), rec.evidence.benchmarksStartedAt ? `latest run started ${new Date(rec.evidence.benchmarksStartedAt).toLocaleString()}; figures are listed under each option.` : 'No benchmark results yet.'),
  );
}

function requestBody(answers = readAnswersFromForm(), weights = state.weights) {
  return Object.keys(weights).length ? { answers, weights } : { answers };
}

async function showResults({ focus }) {
  const status = $('status');
  status.textContent = 'Scoring…';
  try {
    const res = await api('/api/v1/recommendations', requestBody());
    const rec = await res.json();
    state.recommendation = rec;
    state.shown = true;
    $('results').hidden = false;
    renderSummary(rec);
    renderChart(rec);
    renderRanking(rec);
    renderSensitivity(rec);
    renderNeutral(rec);
    renderWeights(rec);
    renderEvidence(rec);
    syncUrl();
    const top = rec.ranking.find((r) => r.technology === rec.top);
    status.textContent = top ? `Recommendation ready: ${top.name} first.` : 'Recommendation ready: every option is knocked out.';
    if (focus) $('results-heading').focus();
  } catch (e) {
    status.textContent = `Could not score: ${e.message}`;
  }
}

// ---------- compare ----------

async function renderCompare() {
  const box = $('compare');
  const errorBox = $('compare-error');
  box.replaceChildren();
  errorBox.textContent = '';
  if (!state.compareQuery) return;
  const other = parseQuery(state.compareQuery);
  try {
    const mine = state.recommendation;
    const theirs = await (await api('/api/v1/recommendations', requestBody(other.answers, other.weights))).json();
    const column = (title, rec) =>
      h('div', { class: 'compare-col' }, h('h4', { text: title }), h('ol', {}, rec.ranking.map((r) => h('li', { class: r.eligible ? '' : 'out' }, r.name, ' ', r.eligible ? h('span', { class: 'score-pill small', text: fmt(r.score) }) : h('span', { class: 'badge knocked', text: 'knocked out' })))));
    const mineAnswers = readAnswersFromForm();
    const diffs = state.questionnaire.questions.filter((q) => (mineAnswers[q.id] ?? DONT_KNOW) !== (other.answers[q.id] ?? DONT_KNOW));
    const label = (q, v) => (v === DONT_KNOW ? 'Don’t know' : q.options.find((o) => o.id === v)?.label ?? v);
    box.append(
      h('div', { class: 'compare-grid', id: 'compare-grid' }, column('This answer set', mine), column('Other answer set', theirs)),
      h('h4', { text: diffs.length ? `Where the answers differ (${diffs.length})` : 'The answers are identical.' }),
      diffs.length
        ? h(
            'table',
            { class: 'contributions' },
            h('thead', {}, h('tr', {}, ['Question', 'This set', 'Other set'].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, diffs.map((q) => h('tr', {}, h('td', { text: q.text }), h('td', { text: label(q, mineAnswers[q.id] ?? DONT_KNOW) }), h('td', { text: label(q, other.answers[q.id] ?? DONT_KNOW) })))),
          )
        : '',
    );
  } catch (e) {
    errorBox.textContent = `Could not compare: ${e.message}`;
  }
}

// ---------- ADR ----------

async function exportAdr() {
  const status = $('status');
  try {
    const title = $('adr-title').value.trim();
    const res = await api('/api/v1/adr', title ? { ...requestBody(), title } : requestBody());
    const text = await res.text();
    const disposition = res.headers.get('content-disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'adr-event-store.md';
    const url = URL.createObjectURL(new Blob([text], { type: 'text/markdown' }));
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = `Exported ${name}.`;
  } catch (e) {
    status.textContent = `Could not export the ADR: ${e.message}`;
  }
}

// ---------- wiring ----------

let debounce = 0;
function scheduleRescore() {
  clearTimeout(debounce);
  debounce = setTimeout(() => void showResults({ focus: false }), 250);
}

async function main() {
  try {
    state.questionnaire = await (await api('/api/v1/questionnaire')).json();
  } catch (e) {
    $('loading').textContent = `Could not load the questionnaire: ${e.message}`;
    return;
  }
  const initial = parseQuery(location.search);
  state.weights = initial.weights;
  state.compareQuery = initial.vs;
  renderQuestionnaire(initial.answers);
  $('share-url').value = shareUrl();

  $('questionnaire').addEventListener('change', () => {
    updateProgress();
    syncUrl();
    if (state.shown) scheduleRescore();
  });
  $('questionnaire').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void showResults({ focus: true }).then(renderCompare);
  });
  $('reset').addEventListener('click', () => {
    for (const input of document.querySelectorAll(`#questions input[value="${DONT_KNOW}"]`)) input.checked = true;
    state.weights = {};
    updateProgress();
    syncUrl();
    if (state.shown) scheduleRescore();
  });
  $('weights').addEventListener('change', (ev) => {
    const input = ev.target;
    const c = input.dataset.criterion;
    const n = Number(input.value);
    if (!c || !Number.isFinite(n) || n < 0 || n > 20) {
      input.setCustomValidity('Enter a number from 0 to 20.');
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    const derived = state.recommendation.weights.find((w) => w.criterion === c)?.derived;
    if (derived === n) delete state.weights[c];
    else state.weights[c] = n;
    scheduleRescore();
  });
  $('reset-weights').addEventListener('click', () => {
    state.weights = {};
    scheduleRescore();
  });
  $('copy-link').addEventListener('click', async () => {
    const url = $('share-url').value;
    try {
      await navigator.clipboard.writeText(url);
      $('status').textContent = 'Link copied.';
    } catch {
      $('share-url').select();
      $('status').textContent = 'Select and copy the link from the field.';
    }
  });
  $('export-adr').addEventListener('click', () => void exportAdr());
  $('compare-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = $('compare-url').value.trim();
    let query = '';
    try {
      query = new URL(raw, location.origin).search.replace(/^\?/, '');
    } catch {
      $('compare-error').textContent = 'That is not a link.';
      return;
    }
    // A link that itself compares: keep only its own answers.
    const params = new URLSearchParams(query);
    params.delete('vs');
    state.compareQuery = params.toString();
    syncUrl();
    void renderCompare();
  });

  const hasInput = Object.keys(initial.answers).length > 0 || Object.keys(initial.weights).length > 0;
  if (hasInput) {
    await showResults({ focus: false });
    if (state.compareQuery) {
      $('compare-url').value = `${location.origin}${location.pathname}?${state.compareQuery}`;
      await renderCompare();
    }
  }
}

void main();
