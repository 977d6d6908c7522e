/**
 * Takes a screenshot of an HTML report in headless Chromium (Debian's /usr/bin/chromium, or
 * CHROMIUM_PATH), for docs/screenshots/ and for checking how a report looks:
 *   npx tsx benchmarks/report/screenshot.ts benchmarks/results/latest.html docs/screenshots/benchmark-report.png [width] [full|top]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [input, output, width = '1400', extent = 'full', selector] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: screenshot.ts <report.html> <out.png> [width] [full|top] [css selector]\n');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(resolve(input)).href);
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
  if (selector) await page.locator(selector).first().screenshot({ path: output });
  else await page.screenshot({ path: output, fullPage: extent === 'full' });
  if (errors.length) {
    process.stderr.write(`page errors:\n${errors.join('\n')}\n`);
    process.exitCode = 1;
  }
  process.stdout.write(`${output}\n`);
} finally {
  await browser.close();
}
