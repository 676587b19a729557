// Opens the observatory page in headless Chromium (Debian's, via playwright-core) and reports what a
// person sees: the tiles' texts, the number of bars per chart, the ring's share, and a screenshot.
// Usage: node observatory.mjs GATEWAY_URL SCREENSHOT
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'rightsledger-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1100, height: 1400 },
});
try {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${url}/observatory`);
  await page.getByText('Registry observatory').waitFor();
  const tiles = await page.$$eval('.tile', (els) => Object.fromEntries(
    els.map((e) => [e.id, e.querySelector('.value').textContent.trim()])));
  const bars = await page.$$eval('svg.chart[id^="chart-"]', (els) => Object.fromEntries(
    els.map((e) => [e.id, e.querySelectorAll('rect.bar').length])));
  const barHeights = await page.$$eval('#chart-registrations rect.bar', (els) => els.map((e) => Number(e.getAttribute('height'))));
  const ring = await page.$eval('#ai-share text', (e) => e.textContent.trim());
  const visible = await page.$eval('#chart-registrations', (e) => e.getBoundingClientRect().height > 50);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ tiles, bars, barHeights, ring, visible, problems }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
