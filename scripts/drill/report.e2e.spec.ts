/**
 * The drill's HTML report in real Chromium (Debian's, via playwright-core's executablePath), on the
 * committed PostgreSQL drills of docs/labs/replication-drills: its three charts are drawn, the per-fault
 * table has a row per fault of each drill, nothing throws, and at 390 px the page does not scroll
 * sideways. Skipped with the reason where Chromium is missing (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { DrillReport } from './records.ts';
import { renderDrillHtml } from './report.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium); CI=true so the browser tests fail.`);
const skip = haveChromium ? false : `Chromium not found at ${CHROMIUM}: drill report browser tests SKIPPED (install Debian's chromium or set CHROMIUM_PATH)`;
const DRILLS = fileURLToPath(new URL('../../docs/labs/replication-drills/', import.meta.url));
const FILES = ['postgres-cluster-partition.json', 'postgres-cluster-async-partition.json'];

let browser: Browser;
let dir: string;
let drills: DrillReport[];
let path: string;

async function open(width: number) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
  return { page, errors };
}

describe('the drill report in Chromium', { skip }, () => {
  before(async () => {
    drills = await Promise.all(FILES.map(async (f) => JSON.parse(await readFile(join(DRILLS, f), 'utf8')) as DrillReport));
    dir = await mkdtemp(join(tmpdir(), 'drill-report-e2e-'));
    path = join(dir, 'drills.html');
    await writeFile(path, await renderDrillHtml(drills));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('three charts drawn, a row per fault of each drill, no error', async () => {
    const { page, errors } = await open(1280);
    const drawn = await page.locator('.card canvas').evaluateAll((canvases) => canvases.filter((c) => (c as HTMLCanvasElement).width > 0).length);
    assert.equal(drawn, 3, 'acknowledged/lost, unavailability and the failovers are drawn');
    const faultRows = drills.reduce((n, d) => n + d.faults.length, 0);
    const tables = page.locator('table');
    assert.equal(await tables.nth(1).locator('tr').count(), faultRows + 1, 'the per-fault table has a row per fault of each drill');
    assert.match(await tables.nth(1).innerText(), /partition/);
    assert.deepEqual(errors, []);
  });

  test('at 390 px the page does not scroll sideways', async () => {
    const { page, errors } = await open(390);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(sideways <= 1, `the page scrolls ${sideways} px sideways at 390 px`);
    assert.deepEqual(errors, []);
  });
});
