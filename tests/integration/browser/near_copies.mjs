// Drives the creators' page in headless Chromium: drop a resized JPEG copy of a registered image
// (not registered itself), ask for near copies, and see the registered work, its distance and
// holder, and the declared dataset that contains it; then a featureless image says so.
// Usage: node near_copies.mjs GATEWAY_URL COPY_FILE WORK_HASH HOLDER DATASET_ID FLAT_FILE SCREENSHOT
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, copyFile, workHash, holder, datasetId, flatFile, screenshot] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const step = (name, detail = '') => console.log(JSON.stringify({ step: name, detail }));

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const profile = mkdtempSync(join(tmpdir(), 'rightsledger-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 390, height: 844 },
});
try {
  const page = await context.newPage();
  const problems = [];
  const uploads = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => { if (r.method() === 'POST') uploads.push(new URL(r.url()).pathname); });
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/works/')) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(url);
  await page.getByText('Connected to the registry on network 31337').waitFor();

  // The copy's bytes are not registered: the page says so, and has sent nothing yet.
  await page.getByLabel('Your file', { exact: true }).setInputFiles(copyFile);
  await page.getByText('This file is not in the registry.').waitFor();
  check(uploads.length === 0, `the file was sent before the person asked: ${uploads}`);
  const find = page.getByRole('button', { name: 'Find registered near copies (sends the image)' });
  check(await find.isVisible(), 'no near-copy button for a chosen file');
  step('copy not registered', 'no upload yet');

  await find.click();
  await page.locator('#near-status', { hasText: '1 registered work looks like this image' }).waitFor({ timeout: 30000 });
  check(JSON.stringify(uploads) === JSON.stringify(['/match/file']), `unexpected uploads ${uploads}`);
  const match = page.locator('#near-list > li').first();
  check((await match.locator('code').first().getAttribute('title')) === workHash, 'the matched work is not the registered one');
  check((await match.locator('code').nth(1).getAttribute('title')) === holder, 'the holder is not shown');
  const head = await match.locator('p').first().textContent();
  check(/Registered work .* — its code differs in \d+ of 64 bits \(a near copy\); held by/.test(head), `match line: ${head}`);
  step('near copy found', head);

  const dataset = match.getByText(`In dataset #${datasetId}`);
  await dataset.waitFor();
  const line = await match.locator('p').nth(1).textContent();
  check(line.includes('This use was not permitted'), `dataset line: ${line}`);
  step('dataset of the work', line);
  await page.screenshot({ path: screenshot, fullPage: true });

  // A pasted fingerprint has no image to send: the section is hidden.
  await page.getByLabel('Or paste a fingerprint (64 hex digits)').fill(workHash);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByText('Found in the registry.').waitFor();
  check(await page.locator('#near').isHidden(), 'near copies offered without a file');
  step('hash lookup hides the search');

  // A featureless image has no code to compare.
  await page.getByLabel('Your file', { exact: true }).setInputFiles(flatFile);
  await page.getByText('This file is not in the registry.').waitFor();
  check((await page.locator('#near-list > li').count()) === 0, 'old matches left on the page');
  await find.click();
  await page.locator('#near-status', { hasText: 'Nothing to compare: featureless image' }).waitFor({ timeout: 30000 });
  step('featureless image', await page.locator('#near-status').textContent());

  check(problems.length === 0, problems.join('; '));
  step('ok');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
