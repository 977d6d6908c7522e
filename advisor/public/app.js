// The advisor's page: renders the questionnaire from /api/v1/questionnaire, keeps the answers in the URL
// (so a link reproduces a result), and renders the recommendation from /api/v1/recommendations
// (results.js, evidence-view.js). DOM is built with textContent only (dom.js).
import { $, api, DONT_KNOW, fmt, h, scrollable } from './dom.js';
import { renderChart, renderEvidence, renderNeutral, renderRanking, renderSensitivity, renderSummary, renderWeights } from './results.js';

const state = { questionnaire: null, recommendation: null, chart: null, weights: {}, shown: false, compareQuery: '' };

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
        { class: 'question card', id: `q-${q.id}`, tabindex: -1, 'data-question': q.id, 'aria-describedby': `why-${q.id}` },
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

function requestBody(answers = readAnswersFromForm(), weights = state.weights) {
  return Object.keys(weights).length ? { answers, weights } : { answers };
}

async function showResults({ focus }) {
  const status = $('status');
  status.textContent = 'Scoring…';
  try {
    // The page shows every breakdown and figure: it asks for the full detail (the API's default is lean).
    const res = await api('/api/v1/recommendations?detail=full', requestBody());
    const rec = await res.json();
    state.recommendation = rec;
    state.shown = true;
    $('results').hidden = false;
    renderSummary(rec);
    renderChart(state, rec);
    renderRanking(rec, state.questionnaire);
    renderSensitivity(rec);
    renderNeutral(rec, state.questionnaire);
    renderWeights(rec);
    renderEvidence(rec);
    syncUrl();
    const said = { clear: () => `Recommendation ready: ${rec.decisionDetail.winner?.name} first.`, tie: () => `No recommendation: ${rec.decisionDetail.tied.map((t) => t.name).join(' and ')} are tied.`, 'insufficient-answers': () => 'No recommendation yet: answer more questions.', 'no-option': () => 'Every option is knocked out.' };
    status.textContent = (said[rec.decision] ?? said['no-option'])();
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
    const verdict = (rec) => (rec.decision === 'clear' ? `Recommends ${rec.decisionDetail.winner?.name}` : rec.decision === 'tie' ? `Tie: ${rec.decisionDetail.tied.map((t) => t.name).join(' and ')}` : rec.decision === 'insufficient-answers' ? 'Not enough answers yet' : 'Every option knocked out');
    const column = (title, rec) =>
      h('div', { class: 'compare-col' }, h('h4', { text: title }), h('p', { class: 'verdict', text: verdict(rec) }), h('ol', {}, rec.ranking.map((r) => h('li', { class: r.eligible ? '' : 'out' }, r.name, ' ', r.eligible ? h('span', { class: 'score-pill small', text: fmt(r.score) }) : h('span', { class: 'badge knocked', text: 'knocked out' })))));
    const mineAnswers = readAnswersFromForm();
    const diffs = state.questionnaire.questions.filter((q) => (mineAnswers[q.id] ?? DONT_KNOW) !== (other.answers[q.id] ?? DONT_KNOW));
    const label = (q, v) => (v === DONT_KNOW ? 'Don’t know' : q.options.find((o) => o.id === v)?.label ?? v);
    box.append(
      h('div', { class: 'compare-grid', id: 'compare-grid' }, column('This answer set', mine), column('Other answer set', theirs)),
      h('h4', { text: diffs.length ? `Where the answers differ (${diffs.length})` : 'The answers are identical.' }),
      diffs.length
        ? scrollable(
            'Where the answers differ',
            h(
            'table',
            { class: 'contributions' },
            h('thead', {}, h('tr', {}, ['Question', 'This set', 'Other set'].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, diffs.map((q) => h('tr', {}, h('td', { text: q.text }), h('td', { text: label(q, mineAnswers[q.id] ?? DONT_KNOW) }), h('td', { text: label(q, other.answers[q.id] ?? DONT_KNOW) })))),
            ),
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
