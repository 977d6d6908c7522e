/**
 * The HTML report in real Chromium (Debian's, via playwright-core's executablePath; no browser download),
 * on committed evidence: the growth section draws its panels per technology, the sweep is one panel per
 * technology, nothing throws, and at 390 px the page itself does not scroll sideways (wide tables scroll
 * in their own box). Skipped with the reason where Chromium is missing (a failure under CI=true).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { readResults, RESULTS_DIR } from '../results-file/io.ts';
import { renderHtml } from './html.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium); CI=true so the browser tests fail.`);
const skip = haveChromium ? false : `Chromium not found at ${CHROMIUM}: report browser tests SKIPPED (install Debian's chromium or set CHROMIUM_PATH)`;

const GROWTH = 'evidence-2026-12-07T01-08-26Z-growth-1m.json';
const SWEEP = 'evidence-2026-12-01T15-21-25Z-sweep-quiet.json';

let browser: Browser;
let dir: string;

async function open(file: string, width: number) {
  const results = await readResults(join(RESULTS_DIR, file));
  const path = join(dir, file.replace(/\.json$/, '.html'));
  await writeFile(path, await renderHtml(results));
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
  return { page, errors, results };
}

describe('the benchmark report in Chromium', { skip }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-report-e2e-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('growth: four drawn panels and a steps table per target for each technology; a failed run is named', async () => {
    const { page, errors, results } = await open(GROWTH, 1280);
    const techs = [...new Set(results.runs.filter((r) => r.mode === 'growth').map((r) => r.backend))];
    const withSteps = results.runs.filter((r) => r.growth?.steps.length);
    const panels = await page.locator('#growth .card canvas').count();
    assert.equal(panels, techs.length * 4, `${panels} growth panels for ${techs.join(', ')}`);
    const drawn = await page.locator('#growth canvas').evaluateAll((canvases) => canvases.filter((c) => (c as HTMLCanvasElement).width > 0).length);
    assert.equal(drawn, panels, 'every panel was drawn');
    assert.equal(await page.locator('#growth table.steps').count(), withSteps.length, 'one steps table per target with steps');
    const failed = results.runs.filter((r) => r.mode === 'growth' && r.status !== 'ok');
    for (const r of failed) assert.match(await page.locator('#growth').innerText(), new RegExp(`${r.target}: ${r.status}`));
    assert.deepEqual(errors, []);
  });

  test('sweep: one panel per technology (the store and its raw baselines together)', async () => {
    const { page, errors, results } = await open(SWEEP, 1280);
    const techs = [...new Set(results.runs.filter((r) => r.mode === 'sweep' && r.sweep?.steps.length).map((r) => r.backend))];
    const titles = await page.locator('.card h3').allInnerTexts();
    const panels = titles.filter((t) => t.endsWith(': corrected latency against achieved throughput'));
    assert.deepEqual(panels.map((t) => t.split(':')[0]).sort(), [...techs].sort());
    assert.deepEqual(errors, []);
  });

  test('at 390 px the page does not scroll sideways (wide tables scroll in their own box)', async () => {
    for (const file of [GROWTH, SWEEP]) {
      const { page, errors } = await open(file, 390);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(sideways <= 1, `${file}: the page scrolls ${sideways} px sideways at 390 px`);
      assert.deepEqual(errors, []);
    }
  });
});
