// The advisor in real Chromium (Debian's, via playwright-core's executablePath; no browser download):
// fill the questionnaire, read the ranking, open the shared URL, compare, export the ADR, screenshot.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
  });
  return page;
}

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
    const names = await page.locator('#ranking .rank-name').allTextContents();
    assert.equal(names.length, 5);
    assert.match(names[0] ?? '', /Marten/);
    assert.match((await page.locator('[data-technology="kafka"]').textContent()) ?? '', /knocked out/);
    assert.match((await page.locator('[data-technology="kafka"]').textContent()) ?? '', /no expected-version check/);

    // The chart rendered, and the explanation of the top option lists contributions and evidence.
    assert.ok(await page.locator('#breakdown-chart').isVisible());
    assert.ok((await page.locator('#breakdown-chart').boundingBox())?.height ?? 0 > 100);
    await page.locator('[data-technology="postgres"] details.explain summary').click();
    const pgDetails = page.locator('[data-technology="postgres"] details.explain');
    assert.match((await pgDetails.textContent()) ?? '', /append\.expected-version/);
    assert.match((await pgDetails.textContent()) ?? '', /append-single-stream: 1,830 ops\/s/);
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
    other.search = new URLSearchParams({ platform: 'node', cloud: 'aws-serverless', operations: 'managed-only' }).toString();
    await page.getByLabel('The other team’s shareable link').fill(other.toString());
    await page.getByRole('button', { name: 'Compare' }).click();
    const grid = page.locator('#compare-grid');
    await grid.waitFor();
    const columns = await grid.locator('.compare-col').allTextContents();
    assert.match(columns[0] ?? '', /This answer set.*Marten/s);
    assert.match(columns[1] ?? '', /Other answer set.*Amazon DynamoDB/s);
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

  test('the page raised no script or CSP errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
