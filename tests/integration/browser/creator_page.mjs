// Drives the creators' page in headless Chromium (Debian's, via playwright-core): pick a file,
// see the right answer and the dataset that contains it, request its removal and opt out with the
// local development key, see the changes; then opt back in through a browser wallet (an EIP-1193
// provider injected into the page).
// Usage: node creator_page.mjs GATEWAY_URL REGISTERED_FILE UNREGISTERED_FILE HOLDER_ADDRESS HOLDER_KEY SCREENSHOT DATASET_ID
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { signTypedData } from '../../../src/rightsledger/gateway/static/eip712.js';

const [url, registeredFile, unregisteredFile, holder, holderKey, screenshot, datasetId] = process.argv.slice(2);
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
  viewport: { width: 390, height: 844 },  // a phone
});
try {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The API answers 404 for an unregistered work on purpose; the browser logs that as a failed load.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/works/')) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(url);
  await page.getByText('Connected to the registry on network 31337').waitFor();
  step('opened', await page.title());

  // An unregistered file: unknown, not refused.
  await page.getByLabel('Your file', { exact: true }).setInputFiles(unregisteredFile);
  await page.getByText('This file is not in the registry.').waitFor();
  step('unregistered file', 'not in the registry');

  // The registered file: record, terms in plain words, the AI answer.
  await page.getByLabel('Your file', { exact: true }).setInputFiles(registeredFile);
  await page.locator('#ai-answer', { hasText: 'only with a licence' }).waitFor();
  check((await page.locator('#holder').textContent()) === holder, 'the holder shown is not the registrant');
  const rows = await page.locator('#terms tbody tr').count();
  check(rows === 7, `expected 7 uses in the terms table, saw ${rows}`);
  check(await page.getByRole('row', { name: /text and data mining allowed/ }).isVisible(), 'tdm row not in plain words');
  step('registered file', await page.locator('#ai-answer').textContent());

  // The AI label in plain words, and the history as a timeline (the test set both up).
  await page.locator('#label-plain', { hasText: 'AI used in the named phases' }).waitFor();
  check((await page.locator('#label-phases').textContent()) === 'post-production', 'label phases not shown');
  check((await page.locator('#label-iptc').textContent()).endsWith('/algorithmicallyEnhanced'), 'IPTC type not shown');
  // The trail arrives in its own request: wait for its fourth entry before reading it.
  await page.locator('#trail > li strong').nth(3).waitFor();
  const stages = await page.locator('#trail > li strong').allTextContents();
  check(JSON.stringify(stages) === JSON.stringify(['Registered in the registry', 'Digitised', 'AI disclosure label set', 'Licence issued']),
    `unexpected trail ${JSON.stringify(stages)}`);
  check(await page.getByText('1 licence issued, 1 valid now.').isVisible(), 'licence count not shown');
  step('label and trail', stages.join(' > '));

  // The ODRL export, viewed on the page.
  await page.getByRole('button', { name: 'View ODRL policy' }).click();
  await page.locator('#export-view', { hasText: '"@type": "Offer"' }).waitFor();
  check(await page.getByRole('link', { name: 'open it on its own' }).getAttribute('href') === `/works/${await page.locator('#fingerprint').textContent()}/exports/odrl`, 'export link');
  step('odrl export', 'shown');

  // The declared dataset that contains the work: its use was not permitted (a licence was needed).
  const dataset = page.locator('#datasets > li', { hasText: `Dataset #${datasetId}` });
  await dataset.waitFor();
  check(await page.getByText('1 declared dataset contains this work.').isVisible(), 'dataset count not shown');
  check(await dataset.getByText('This use was not permitted: it needed a licence').isVisible(), 'permitted answer not shown');
  check(await dataset.getByText('Not yet proven in the registry. No removal requested.').isVisible(), 'dataset state not shown');
  step('dataset listed', await dataset.locator('.answer').textContent());

  // Request removal, signing with the local development key (account 1, the holder): the page
  // proves the work is in the dataset first, then sends the request, and shows the new state.
  check(await page.getByLabel(/local development key/).isChecked(), 'the dev key should be the default signer here');
  await dataset.getByRole('button', { name: `Request removal from dataset #${datasetId}` }).click();
  await page.locator('#datasets-status', { hasText: 'Done: removal requested' }).waitFor({ timeout: 30000 });
  await dataset.getByText('a violation is recorded. Removal requested; the declarer has not acknowledged it yet.').waitFor();
  check(await dataset.getByRole('button').count() === 0, 'the removal button should be gone once requested');
  step('removal requested', await page.locator('#datasets-status').textContent());

  // Opt out, signing with the local development key (account 1, the holder).
  check(await page.getByLabel(/local development key/).isChecked(), 'the dev key should be the default signer here');
  await page.getByRole('button', { name: 'Opt out of AI training' }).click();
  await page.locator('#act-status', { hasText: 'Done' }).waitFor({ timeout: 30000 });
  await page.locator('#ai-answer', { hasText: 'opted this work out' }).waitFor();
  check(await page.getByRole('button', { name: 'Opt out of AI training' }).isDisabled(), 'opt-out should now be disabled');
  await page.locator('#trail > li strong', { hasText: 'Opt-outs changed' }).waitFor();
  step('opted out', await page.locator('#act-status').textContent());
  await page.screenshot({ path: screenshot, fullPage: true });

  // Keyboard: the file chooser and the actions are reachable with Tab.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement && document.activeElement.tagName) !== 'BODY', 'nothing focusable');

  // A browser wallet (EIP-1193) signing eth_signTypedData_v4 opts back in.
  const walletPage = await context.newPage();
  await walletPage.exposeFunction('__walletSign', (typedJson) => signTypedData(holderKey, JSON.parse(typedJson)));
  await walletPage.addInitScript(([address]) => {
    window.ethereum = {
      request: async ({ method, params }) => {
        if (method === 'eth_requestAccounts') return [address];
        if (method === 'eth_chainId') return '0x7a69';
        if (method === 'eth_signTypedData_v4') {
          if (params[0] !== address || typeof params[1] !== 'string') throw new Error('bad eth_signTypedData_v4 params');
          return window.__walletSign(params[1]);
        }
        throw new Error(`unsupported ${method}`);
      },
    };
  }, [holder]);
  await walletPage.goto(url);
  await walletPage.getByText('Connected to the registry').waitFor();
  await walletPage.getByLabel('Your file', { exact: true }).setInputFiles(registeredFile);
  await walletPage.locator('#ai-answer', { hasText: 'opted this work out' }).waitFor();
  await walletPage.getByLabel('My browser wallet').check();
  await walletPage.getByRole('button', { name: 'Opt back in to AI training' }).click();
  await walletPage.locator('#act-status', { hasText: 'Done' }).waitFor({ timeout: 30000 });
  await walletPage.locator('#ai-answer', { hasText: 'only with a licence' }).waitFor();
  step('opted back in with a wallet', await walletPage.locator('#act-status').textContent());

  check(problems.length === 0, problems.join('; '));
  step('ok');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
