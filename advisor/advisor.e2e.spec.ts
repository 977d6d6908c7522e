// The advisor in real Chromium (Debian's, via playwright-core's executablePath; no browser download):
// fill the questionnaire, read the decision and the ranking, open the shared URL, compare, export the
// ADR, a tie and an empty questionnaire, the page at phone width (390x844) with no sideways scroll,
// axe-core with no serious or critical violation, the docs as HTML, and screenshots at 1280 and 390 px.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fixturePath, startAdvisor, type RunningAdvisor } from './testing.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  // In CI a missing browser is a broken environment, not a reason to skip.
  throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium); CI=true so the browser tests fail.`);
}
const skip = haveChromium ? false : `Chromium not found at ${CHROMIUM}: browser tests SKIPPED (install Debian's chromium or set CHROMIUM_PATH)`;
if (skip) console.warn(`\n*** advisor e2e: ${skip} ***\n`);

const screenshotDir = process.env.ADVISOR_SCREENSHOT_DIR ?? join(tmpdir(), 'advisor-screenshots');

let advisor: RunningAdvisor;
let browser: Browser;
const pageErrors: string[] = [];

const PHONE = { width: 390, height: 844 };

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
  });
  return page;
}

/** axe-core's serious and critical violations on the page as it is now (evaluate runs outside the page's CSP). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } };
    return w.axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(' ')}`);
}

/** How far the page scrolls sideways (0 when nothing sticks out of the viewport). */
const sidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Picks an answer the way a person does: clicking the option's label inside the question. */
async function answer(page: Page, questionId: string, label: string): Promise<void> {
  await page.locator(`fieldset[data-question="${questionId}"]`).getByLabel(label, { exact: true }).check();
}

const DOTNET_TEAM: [string, string][] = [
  ['platform', '.NET (C#, F#)'],
  ['postgres-skills', 'We run PostgreSQL in production today'],
  ['read-patterns', 'A mix of all three'],
  ['subscriptions', 'Catch-up subscriptions for projections'],
  ['concurrency', 'Yes, required: several instances may handle the same aggregate'],
  ['experience', 'New to it'],
  ['operations', 'A small team that can run one familiar database'],
  ['retention', 'Forever: the events are the system of record'],
];

describe('advisor in Chromium', { skip }, () => {
  before(async () => {
    advisor = await startAdvisor({ capabilitiesPath: fixturePath('capabilities.json'), benchmarksPath: fixturePath('benchmarks-latest.json') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(screenshotDir, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await advisor?.close();
  });

  let sharedUrl = '';

  test('fill the questionnaire and read an explained ranking', async () => {
    const page = await newPage();
    await page.goto(advisor.baseUrl);
    await page.locator('fieldset.question').first().waitFor();
    const total = await page.locator('fieldset.question').count();
    assert.ok(total >= 12);
    await assert.doesNotReject(page.getByText(`0 of ${total} questions answered`).waitFor());

    for (const [q, label] of DOTNET_TEAM) await answer(page, q, label);
    assert.equal(await page.locator('#progress-label').textContent(), `${DOTNET_TEAM.length} of ${total} questions answered`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(screenshotDir, 'advisor-questionnaire.png') });

    await page.getByRole('button', { name: 'Show recommendation' }).click();
    await page.locator('#top-name').waitFor();
    assert.match((await page.locator('#top-name').textContent()) ?? '', /Marten/);
    assert.equal(await page.locator('#summary').getAttribute('data-decision'), 'clear');
    assert.match((await page.locator('#summary').textContent()) ?? '', /leads .* by \d+\.\d points \(a tie is anything under 2\)/);
    const names = await page.locator('#ranking .rank-name').allTextContents();
    assert.equal(names.length, 5);
    assert.match(names[0] ?? '', /Marten/);
    assert.match((await page.locator('[data-technology="kafka"]').textContent()) ?? '', /knocked out/);
    assert.match((await page.locator('[data-technology="kafka"]').textContent()) ?? '', /no expected-version check/);
    // The lab passes Kafka's version check only by emulating it: the caveat sits next to the status.
    assert.match((await page.locator('[data-technology="kafka"] .knockouts').textContent()) ?? '', /pass, emulated.*Caveat: .*emulated by the store/s);

    // The chart rendered, and the explanation of the top option lists contributions and evidence.
    assert.ok(await page.locator('#breakdown-chart').isVisible());
    assert.ok((await page.locator('#breakdown-chart').boundingBox())?.height ?? 0 > 100);
    await page.locator('[data-technology="postgres"] details.explain > summary').click();
    const pgDetails = page.locator('[data-technology="postgres"] details.explain');
    assert.match((await pgDetails.textContent()) ?? '', /append\.expected-version/);
    // What a cited run measured is there, folded: open one and read the scenario's narration.
    const measuredFold = pgDetails.locator('details.measured').first();
    await measuredFold.locator('summary').click();
    assert.match((await measuredFold.textContent()) ?? '', /What the postgres run measured.*(pass|fail): \S/s);
    // Every rating says how it is supported; a cited benchmark run shows its file and, folded, its figures.
    assert.ok((await pgDetails.locator('table.breakdown .badge.evidence-measured').count()) > 0, 'some PostgreSQL ratings are measured here');
    assert.ok((await pgDetails.locator('table.breakdown .badge.evidence-documentation').count()) > 0, 'some rest on documentation only');
    const benchSource = pgDetails.locator('table.breakdown .lab-source', { hasText: 'postgres benchmark:' }).first();
    assert.match((await benchSource.textContent()) ?? '', /postgres benchmark: growth curve \(evidence-.*growth-postgres/);
    await benchSource.locator('details.measured > summary').click();
    assert.match((await benchSource.textContent()) ?? '', /What the run measured.*lab store \(postgres\)/s);
    const rows = await pgDetails.locator('table.figures tbody tr').allTextContents();
    assert.deepEqual(rows.length, 4, 'one row per run: store and raw, open and closed, never merged');
    assert.match(rows[0] ?? '', /append-single-stream.*Lab store.*Open loop, 2,000 ops\/s offered.*Saturated at 2,000 ops\/s offered.*Not a capacity figure/);
    assert.match(rows[1] ?? '', /append-single-stream.*Raw driver \(baseline\).*2,000 ops\/s.*5\.1 ms/);
    assert.match(rows[2] ?? '', /Closed loop, 8 workers.*4,120 ops\/s/);
    await page.locator('[data-technology="dynamodb"] details.explain > summary').click();
    assert.match((await page.locator('[data-technology="dynamodb"] .bench').textContent()) ?? '', /Emulator: dynalite: an in-memory emulator of the DynamoDB API/);
    await page.locator('[data-technology="postgres"] .bench').screenshot({ path: join(screenshotDir, 'advisor-evidence.png') });
    assert.match((await page.locator('#sensitivity').textContent()) ?? '', /leads/);
    assert.match((await page.locator('#neutral').textContent()) ?? '', /Don’t know/);

    sharedUrl = await page.locator('#share-url').inputValue();
    assert.match(sharedUrl, /platform=dotnet/);
    await page.locator('#results-heading').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('results-heading')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(screenshotDir, 'advisor-results.png') });
    await page.locator('#ranking').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('ranking')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(screenshotDir, 'advisor-ranking.png') });
    await page.close();
  });

  test('the shared URL reproduces the answers and the result, and compares two teams', async () => {
    assert.ok(sharedUrl, 'the previous test produced a link');
    const page = await newPage();
    await page.goto(sharedUrl);
    await page.locator('#top-name').waitFor();
    assert.match((await page.locator('#top-name').textContent()) ?? '', /Marten/);
    assert.ok(await page.locator('fieldset[data-question="platform"]').getByLabel('.NET (C#, F#)', { exact: true }).isChecked());

    // A second team: Node on AWS serverless.
    const other = new URL(advisor.baseUrl);
    other.search = new URLSearchParams({ platform: 'node', cloud: 'aws-serverless', operations: 'managed-only', concurrency: 'required', 'read-patterns': 'per-stream' }).toString();
    await page.getByLabel('The other team’s shareable link').fill(other.toString());
    await page.getByRole('button', { name: 'Compare' }).click();
    const grid = page.locator('#compare-grid');
    await grid.waitFor();
    const columns = await grid.locator('.compare-col').allTextContents();
    assert.match(columns[0] ?? '', /This answer set.*Marten/s);
    assert.match(columns[1] ?? '', /Other answer set.*Recommends Amazon DynamoDB/s);
    assert.match(page.url(), /vs=/);
    await page.close();
  });

  test('export the ADR as Markdown', async () => {
    const page = await newPage();
    await page.goto(sharedUrl);
    await page.locator('#top-name').waitFor();
    await page.getByLabel('ADR title (optional)').fill('Billing event store');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export ADR (Markdown)' }).click()]);
    assert.match(download.suggestedFilename(), /^adr-event-store-\d{4}-\d{2}-\d{2}\.md$/);
    const path = await download.path();
    const md = await readFile(path, 'utf8');
    assert.match(md, /^# ADR: Billing event store/);
    assert.match(md, /We will use \*\*Marten/);
    await page.close();
  });

  test('a tie says so on the page and in the ADR; an empty questionnaire asks for answers', async () => {
    const page = await newPage();
    const tie = new URL(advisor.baseUrl);
    tie.search = new URLSearchParams({ 'postgres-skills': 'production', budget: 'tight', operations: 'small', 'read-patterns': 'ad-hoc' }).toString();
    await page.goto(tie.toString());
    await page.locator('#summary[data-decision="tie"]').waitFor();
    const summary = (await page.locator('#summary').textContent()) ?? '';
    assert.match(summary, /No recommendation: a tie/);
    assert.match(summary, /PostgreSQL.*Marten|Marten.*PostgreSQL/);
    assert.match(summary, /What would separate them/);
    assert.equal(await page.locator('#top-name').count(), 0, 'no winner is named');
    await page.evaluate(() => document.getElementById('results-heading')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(screenshotDir, 'advisor-tie.png') });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export ADR (Markdown)' }).click()]);
    const md = await readFile(await download.path(), 'utf8');
    assert.doesNotMatch(md, /We will use/);
    assert.match(md, /No decision: a tie/);

    await page.goto(advisor.baseUrl);
    await page.locator('fieldset.question').first().waitFor();
    await page.getByRole('button', { name: 'Show recommendation' }).click();
    await page.locator('#summary[data-decision="insufficient-answers"]').waitFor();
    assert.match((await page.locator('#summary').textContent()) ?? '', /Not enough answers/);
    assert.ok((await page.locator('#questions-that-matter li').count()) >= 3);
    assert.doesNotMatch((await page.locator('#summary').textContent()) ?? '', /100\.0 \/ 100/);
    await page.locator('#questions-that-matter a').first().click();
    assert.match(page.url(), /#q-/);
    await page.close();
  });

  test('at phone width (390x844) nothing scrolls sideways, the chart and its legend fit', async () => {
    assert.ok(sharedUrl);
    const page = await newPage(PHONE);
    await page.goto(advisor.baseUrl);
    await page.locator('fieldset.question').first().waitFor();
    for (const [q, label] of DOTNET_TEAM) await answer(page, q, label);
    assert.equal(await sidewaysScroll(page), 0, 'questionnaire');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(screenshotDir, 'advisor-questionnaire-390.png') });
    await page.getByRole('button', { name: 'Show recommendation' }).click();
    await page.locator('#top-name').waitFor();
    await page.evaluate(() => document.getElementById('results-heading')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(screenshotDir, 'advisor-results-390.png') });
    await page.evaluate(() => document.querySelector('.chart-card')?.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: join(screenshotDir, 'advisor-chart-390.png') });
    for (const summary of await page.locator('details.explain > summary').all()) await summary.click();
    await page.locator('#weights-panel summary').click();
    await page.getByLabel('The other team’s shareable link').fill(sharedUrl);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.locator('#compare-grid').waitFor();
    assert.equal(await sidewaysScroll(page), 0, 'results with every explanation open');
    const chart = await page.locator('#breakdown-chart').boundingBox();
    assert.ok(chart && chart.width <= PHONE.width && chart.height >= 150, `chart ${JSON.stringify(chart)}`);
    const legend = await page.locator('#chart-legend').boundingBox();
    assert.ok(legend && legend.x >= 0 && legend.x + legend.width <= PHONE.width, 'the legend wraps inside the screen');
    await page.close();
  });

  test('axe-core finds no serious or critical violation on the questionnaire and the results', async () => {
    for (const viewport of [{ width: 1280, height: 900 }, PHONE]) {
      const page = await newPage(viewport);
      await page.goto(advisor.baseUrl);
      await page.locator('fieldset.question').first().waitFor();
      assert.deepEqual(await axeViolations(page), [], `questionnaire at ${viewport.width}px`);
      for (const [q, label] of DOTNET_TEAM) await answer(page, q, label);
      await page.getByRole('button', { name: 'Show recommendation' }).click();
      await page.locator('#top-name').waitFor();
      for (const summary of await page.locator('details summary').all()) await summary.click();
      assert.deepEqual(await axeViolations(page), [], `results at ${viewport.width}px`);
      await page.close();
    }
  });

  test('docs open as HTML pages whose anchors land on their headings', async () => {
    const page = await newPage(PHONE);
    await page.goto(`${advisor.baseUrl}/docs/capabilities.md#appendexpected-version`);
    const heading = page.locator('h3#appendexpected-version');
    assert.equal(await heading.count(), 1);
    assert.ok(await heading.isVisible());
    const box = await heading.boundingBox();
    assert.ok(box && box.y >= 0 && box.y < PHONE.height, 'the anchor scrolled to its heading');
    await page.goto(`${advisor.baseUrl}/docs/advisor.md`);
    const img = page.locator('main img').first();
    assert.ok((await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)) > 0, 'screenshots render');
    await page.close();
  });

  test('the page raised no script or CSP errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
