// The creators' page: hash a file in the browser, show the record and the AI datasets that contain
// it; opt out, or ask a dataset's declarer to remove it, by signing a request.
import { addressOf, signTypedData } from './eip712.js';

const AI_USES = ['ai-training', 'ai-generative-training'];
const WEB_CRYPTO_LIMIT = 256 * 1024 * 1024;  // larger files are hashed in slices
const $ = (id) => document.getElementById(id);
const state = { info: null, devAccounts: [], work: null, hash: null, datasets: [], file: null };

async function api(method, path, body, raw = false) {
  const response = await fetch(path, {
    method,
    headers: body ? { 'content-type': raw ? 'application/octet-stream' : 'application/json' } : {},
    body: body ? (raw ? body : JSON.stringify(body)) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error ? data.error.message : `the service answered ${response.status}`);
    error.code = data.error ? data.error.code : `http-${response.status}`;
    error.status = response.status;
    error.contractError = data.error && data.error.contractError;
    throw error;
  }
  return data;
}

function say(id, text, isError = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', isError);
}

function toHex(buffer) {
  return '0x' + Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256File(file) {
  if (!crypto.subtle) throw new Error('this page needs a secure address (https or localhost) to compute fingerprints');
  if (file.size <= WEB_CRYPTO_LIMIT) return toHex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  const { sha256 } = await import('./vendor/noble-hashes/sha2.js');
  const hasher = sha256.create();
  const slice = 16 * 1024 * 1024;
  for (let at = 0; at < file.size; at += slice) {
    hasher.update(new Uint8Array(await file.slice(at, at + slice).arrayBuffer()));
    say('status', `Computing the fingerprint… ${Math.round((100 * Math.min(at + slice, file.size)) / file.size)}%`);
  }
  return toHex(hasher.digest());
}

function plainUse(use) {
  const found = state.info && state.info.uses.find((u) => u.use === use);
  return found ? found.plain : use;
}

function featureNotes() {
  const features = (state.info && state.info.features) || {};
  for (const el of document.querySelectorAll('[data-feature]')) {
    if (features[el.dataset.feature]) el.textContent = 'Available from the API (see /docs).';
  }
  // Parts this gateway does not serve say so instead of showing empty boxes.
  for (const el of document.querySelectorAll('[data-needs]')) {
    if (!features[el.dataset.needs]) {
      const note = document.createElement('p');
      note.className = 'muted';
      note.textContent = 'Not available yet from this service.';
      el.replaceWith(note);
    }
  }
}

function has(feature) {
  return !!(state.info && state.info.features && state.info.features[feature]);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function short(value) {
  return value.length > 14 ? `${value.slice(0, 8)}…${value.slice(-4)}` : value;
}

function when(iso) {
  return new Date(iso).toLocaleString();
}

// ---------------------------------------------------------------- label, history, licences, exports

function showLabel(label) {
  $('label-plain').textContent = label.disclosed ? label.plain : `No AI label: ${label.plain}.`;
  $('label-facts').hidden = !label.disclosed;
  if (!label.disclosed) return;
  $('label-level').textContent = label.level;
  $('label-phases').textContent = label.phases.length ? label.phases.join(', ') : 'none';
  $('label-tools').textContent = label.tools || 'not named';
  $('label-text').textContent = label.text;
  $('label-iptc').textContent = label.digitalSourceType;
}

function showTrail(provenance) {
  const count = provenance.count;
  $('trail-count').textContent = `${count} ${count === 1 ? 'event' : 'events'}, oldest first.`;
  $('trail').replaceChildren(...provenance.trail.map((entry) => {
    const item = el('li');
    const time = el('time', when(entry.timestamp));
    time.dateTime = entry.timestamp;
    const what = el('strong', entry.plain.charAt(0).toUpperCase() + entry.plain.slice(1));
    const line = el('p');
    line.append(what);
    if (entry.summary) line.append(document.createTextNode(` — ${entry.summary}`));
    const by = el('p', '', 'muted small');
    by.append(document.createTextNode(`by `), el('code', short(entry.actor)),
      document.createTextNode(` · block ${entry.block} · transaction `), el('code', short(entry.transaction)));
    by.querySelectorAll('code')[0].title = entry.actor;
    by.querySelectorAll('code')[1].title = entry.transaction;
    item.append(time, line, by);
    return item;
  }));
}

function showLicences(listing) {
  const { count, validCount } = listing;
  $('licences-count').textContent = count === 0
    ? 'No licences issued for this work yet.'
    : `${count} ${count === 1 ? 'licence' : 'licences'} issued, ${validCount} valid now.`;
  $('licences').replaceChildren(...listing.licences.map((licence) => {
    const item = el('li');
    item.append(el('strong', plainUse(licence.use)), document.createTextNode(': '));
    const who = el('code', short(licence.licensee));
    who.title = licence.licensee;
    const how = { bought: `bought for ${licence.price}`, granted: 'granted by the holder', offer: `from the holder's offer (${licence.price})` }[licence.source];
    const until = licence.validUntil ? `until ${when(licence.validUntil)}` : 'with no end';
    item.append(document.createTextNode('for '), who, document.createTextNode(`, ${how}, ${until}`));
    item.append(el('span', licence.validNow ? ' (valid now)' : ' (not valid now)', licence.validNow ? 'ok' : 'muted'));
    return item;
  }));
}

function sectionError(id, error) {
  const target = $(id);
  target.textContent = `Could not load this part: ${error.message}`;
  target.classList.add('error');
}

// ---------------------------------------------------------------- datasets and removal requests

function datasetStatus(entry) {
  if (!entry.proven) return `Not yet proven in the registry. ${entry.removalPlain}`;
  return `Proven in the registry${entry.violation ? '; a violation is recorded' : ''}. ${entry.removalPlain}`;
}

function answerClass(entry) {
  if (entry.permitted) return 'answer yes';
  return ['unregistered', 'disputed'].includes(entry.reason) ? 'answer neutral' : 'answer no';
}

function showDatasets(listing) {
  state.datasets = listing.datasets;
  const { count } = listing;
  $('datasets-count').textContent = count === 0
    ? 'No declared dataset is known to contain this work.'
    : `${count} declared ${count === 1 ? 'dataset contains' : 'datasets contain'} this work.`;
  const canRequest = !!state.work && has('removal-requests') && has('relay');
  $('datasets').replaceChildren(...listing.datasets.map((entry) => {
    const item = el('li');
    const head = el('p');
    const who = el('code', short(entry.declarer));
    who.title = entry.declarer;
    head.append(el('strong', `Dataset #${entry.datasetId}`),
      document.createTextNode(` for ${plainUse(entry.use)}, declared ${when(entry.declaredAt)} by `), who,
      document.createTextNode(` (${entry.itemCount} ${entry.itemCount === 1 ? 'work' : 'works'}).`));
    item.append(head, el('p', entry.plain, answerClass(entry)), el('p', datasetStatus(entry), 'muted small'));
    if (canRequest && entry.removal === 'none') {
      const button = el('button', `Request removal from dataset #${entry.datasetId}`, 'secondary');
      button.type = 'button';
      button.addEventListener('click', () => requestRemoval(entry));
      item.append(button);
    }
    return item;
  }));
}

async function loadDatasets(hash, atLeastBlock = 0) {
  try {
    // The gateway's index follows the chain in the background: after our own write, wait (briefly)
    // until it has indexed the write's block, so the list shows what was just recorded.
    let answer = await api('GET', `/works/${hash}/datasets`);
    for (let tries = 0; answer.indexedTo < atLeastBlock && tries < 40; tries += 1) {
      await new Promise((resolve) => { setTimeout(resolve, 250); });
      answer = await api('GET', `/works/${hash}/datasets`);
    }
    showDatasets(answer);
  } catch (error) {
    sectionError('datasets-count', error);
  }
}

async function relaySigned(who, body, path) {
  const prepared = await api('POST', '/relay/prepare', { ...body, from: who.address, contentHash: state.hash });
  const signature = await who.sign(prepared.typedData);
  return api('POST', `/works/${state.hash}/${path}`, { request: prepared.request, signature });
}

async function requestRemoval(entry) {
  const id = entry.datasetId;
  const buttons = [...document.querySelectorAll('#datasets button')];
  buttons.forEach((b) => { b.disabled = true; });
  say('datasets-status', '');
  try {
    const who = await signer();
    let step = '';
    if (!entry.proven) {
      // The registry records a removal request only for a work proven to be in the dataset.
      say('datasets-status', `Step 1 of 2: proving your work is in dataset #${id}. Please sign the request…`);
      await relaySigned(who, { action: 'prove-inclusion', datasetId: id }, 'proofs');
      step = 'Step 2 of 2: ';
    }
    say('datasets-status', `${step || ''}${step ? 'asking' : 'Asking'} the declarer of dataset #${id} to remove your work. Please sign the request…`);
    const receipt = await relaySigned(who, { action: 'request-removal', datasetId: id }, 'removal-requests');
    await loadDatasets(state.hash, receipt.block);
    say('datasets-status', `Done: removal requested from dataset #${id}. Recorded in block ${receipt.block} (transaction ${receipt.transaction}).`);
  } catch (error) {
    let message = error.message;
    if (error.contractError === 'DatasetNotHolder') {
      message = `Only the holder of this work (${state.work.holder}) or someone they approved can ask for its removal. ` + message;
    }
    say('datasets-status', message, true);
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// ---------------------------------------------------------------- near copies (by ISCC content code)

function resetNear() {
  const section = $('near');
  section.hidden = !state.file;
  if (!$('near-list')) return;  // this service has no near-copy search: the section says so
  $('near-list').replaceChildren();
  say('near-status', '');
  $('near-find').disabled = false;
}

function datasetLines(listing) {
  if (listing.count === 0) return [el('p', 'In no declared dataset.', 'muted small')];
  return listing.datasets.map((entry) => {
    const line = el('p', '', 'small');
    line.append(el('strong', `In dataset #${entry.datasetId}`),
      document.createTextNode(` for ${plainUse(entry.use)} (${entry.itemCount} ${entry.itemCount === 1 ? 'work' : 'works'}): `),
      el('span', entry.plain),
      document.createTextNode(` ${datasetStatus(entry)}`));
    return line;
  });
}

async function showNearCopies(answer) {
  const { matches } = answer;
  if (answer.skippedReason) {
    say('near-status', `Nothing to compare: ${answer.skippedReason}.`);
    return;
  }
  say('near-status', matches.length === 0
    ? 'No registered work looks like this image.'
    : `${matches.length} registered ${matches.length === 1 ? 'work looks' : 'works look'} like this image, nearest first.`);
  const items = await Promise.all(matches.map(async (match) => {
    const item = el('li');
    const head = el('p');
    const work = el('code', short(match.contentHash));
    work.title = match.contentHash;
    const holder = el('code', short(match.holder));
    holder.title = match.holder;
    const same = match.contentHash === state.hash;
    head.append(el('strong', same ? 'This very file' : 'Registered work'), document.createTextNode(' '), work,
      document.createTextNode(` — its code differs in ${match.distance} of 64 bits${same ? '' : kind(match)}; held by `), holder);
    item.append(head);
    if (has('datasets')) {
      try {
        item.append(...datasetLines(await api('GET', `/works/${match.contentHash}/datasets`)));
      } catch (error) {
        item.append(el('p', `Could not load its datasets: ${error.message}`, 'error small'));
      }
    }
    return item;
  }));
  $('near-list').replaceChildren(...items);
}

// A match chance could explain at the registry's size is only a possible copy (docs/identity.md).
function kind(match) {
  if (match.decisive === false) {
    return ` (possibly a near copy: about ${Number(match.chance).toPrecision(2)} unrelated works would be this near by chance; look at both)`;
  }
  return ' (a near copy)';
}

async function findNearCopies() {
  const { file } = state;
  if (!file) return;
  const limit = state.info.limits.maxBodyBytes;
  if (file.size > limit) {
    say('near-status', `This file is larger than the ${limit.toLocaleString()} bytes this service accepts for the search.`, true);
    return;
  }
  $('near-find').disabled = true;
  say('near-status', 'Looking for registered near copies…');
  try {
    await showNearCopies(await api('POST', `/match/file?name=${encodeURIComponent(file.name)}`, file, true));
  } catch (error) {
    say('near-status', error.message, true);
  }
  $('near-find').disabled = false;
}

async function loadDetails(hash) {
  if ($('export-box')) $('export-box').hidden = true;
  const jobs = [];
  if (has('datasets')) jobs.push(loadDatasets(hash));
  if (!state.work) {
    await Promise.all(jobs);
    return;
  }
  if (has('label')) jobs.push(api('GET', `/works/${hash}/label`).then(showLabel, (e) => sectionError('label-plain', e)));
  if (has('provenance')) jobs.push(api('GET', `/works/${hash}/provenance`).then(showTrail, (e) => sectionError('trail-count', e)));
  if (has('licences')) jobs.push(api('GET', `/works/${hash}/licences`).then(showLicences, (e) => sectionError('licences-count', e)));
  await Promise.all(jobs);
}

const EXPORT_TITLES = { odrl: 'ODRL 2.2 policy (JSON-LD)', tdmrep: 'TDMRep (TDM reservation protocol)', cawg: 'CAWG training-and-data-mining assertion' };

async function showExport(format) {
  const view = $('export-view');
  $('export-box').hidden = false;
  $('export-title').textContent = EXPORT_TITLES[format];
  $('export-link').href = `/works/${state.hash}/exports/${format}`;
  view.textContent = 'Loading…';
  try {
    view.textContent = JSON.stringify(await api('GET', `/works/${state.hash}/exports/${format}`), null, 2);
  } catch (error) {
    view.textContent = `Could not load it: ${error.message}`;
  }
  for (const button of document.querySelectorAll('[data-export]')) {
    button.setAttribute('aria-pressed', String(button.dataset.export === format));
  }
}

function showWork(hash, work) {
  state.hash = hash;
  state.work = work;
  $('result').hidden = false;
  $('fingerprint').textContent = hash;
  $('unregistered').hidden = !!work;
  $('registered').hidden = !work;
  $('act').hidden = !work;
  if (!work) return;
  $('holder').textContent = work.holder;
  $('registrant').textContent = work.registrant;
  $('registered-at').textContent = new Date(work.registeredAt).toLocaleString();
  $('verification').textContent = work.statusPlain;
  const tbody = $('terms').querySelector('tbody');
  tbody.replaceChildren(...work.terms.rules.map((rule) => {
    const row = document.createElement('tr');
    const use = document.createElement('th');
    use.scope = 'row';
    use.textContent = plainUse(rule.use);
    const says = document.createElement('td');
    says.textContent = rule.plain;
    row.append(use, says);
    return row;
  }));
  $('expiry').textContent = work.terms.expires ? `These terms expire on ${new Date(work.terms.expires).toLocaleString()}.` : 'These terms do not expire.';
  const training = work.terms.rules.find((r) => r.use === 'ai-training');
  const optedOut = AI_USES.every((u) => work.optedOut.includes(u));
  const answer = $('ai-answer');
  if (work.status === 'disputed') {
    answer.textContent = 'AI training: no — the registration is disputed, so every use is on hold.';
    answer.className = 'answer no';
  } else if (optedOut) {
    answer.textContent = 'AI training: no — the holder opted this work out of AI training.';
    answer.className = 'answer no';
  } else if (training.mode === 'allow') {
    answer.textContent = 'AI training: allowed by the terms.';
    answer.className = 'answer yes';
  } else if (training.mode === 'licence') {
    answer.textContent = `AI training: only with a licence (${training.fee}).`;
    answer.className = 'answer neutral';
  } else {
    answer.textContent = 'AI training: not allowed.';
    answer.className = 'answer no';
  }
  $('optout').disabled = optedOut;
  $('optin').disabled = !work.optedOut.some((u) => AI_USES.includes(u));
}

async function lookUp(hash) {
  say('status', 'Asking the registry…');
  try {
    const work = await api('GET', `/works/${hash}`);
    showWork(work.contentHash, work);
    await loadDetails(work.contentHash);
    say('status', 'Found in the registry.');
  } catch (error) {
    if (error.code === 'work-not-registered') {
      const normal = hash.toLowerCase().startsWith('0x') ? hash.toLowerCase() : `0x${hash.toLowerCase()}`;
      showWork(normal, null);
      await loadDetails(normal);
      say('status', 'Not in the registry.');
    } else {
      $('result').hidden = true;
      $('act').hidden = true;
      say('status', error.message, true);
      return;
    }
  }
  $('result-title').focus();
}

async function onFile(file) {
  if (!file) return;
  state.file = file;
  resetNear();
  say('status', `Computing the fingerprint of ${file.name}…`);
  try {
    await lookUp(await sha256File(file));
  } catch (error) {
    say('status', error.message, true);
  }
}

// ---------------------------------------------------------------- signing

function signerChoice() {
  const chosen = document.querySelector('input[name="signer"]:checked');
  return chosen ? chosen.value : null;
}

async function signer() {
  if (signerChoice() === 'wallet') {
    const [address] = await window.ethereum.request({ method: 'eth_requestAccounts' });
    const chainId = parseInt(await window.ethereum.request({ method: 'eth_chainId' }), 16);
    if (chainId !== state.info.chainId) {
      throw new Error(`your wallet is on network ${chainId}; switch it to network ${state.info.chainId} first`);
    }
    return {
      address,
      sign: (typed) => window.ethereum.request({ method: 'eth_signTypedData_v4', params: [address, JSON.stringify(typed)] }),
    };
  }
  if (signerChoice() === 'dev') {
    const account = state.devAccounts[Number($('dev-account').value)];
    return { address: addressOf(account.privateKey), sign: (typed) => signTypedData(account.privateKey, typed) };
  }
  throw new Error('choose how to sign first');
}

async function setOptOut(uses, verb) {
  const buttons = [$('optout'), $('optin')];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const who = await signer();
    say('act-status', 'Preparing the request…');
    const prepared = await api('POST', '/relay/prepare', { action: 'opt-out', from: who.address, contentHash: state.hash, uses });
    say('act-status', 'Please sign the request…');
    const signature = await who.sign(prepared.typedData);
    say('act-status', 'Sending it to the registry…');
    const receipt = await api('PUT', `/works/${state.hash}/opt-out`, { request: prepared.request, signature });
    const work = await api('GET', `/works/${state.hash}`);
    showWork(state.hash, work);
    await loadDetails(state.hash);
    say('act-status', `Done: ${verb}. Recorded in block ${receipt.block} (transaction ${receipt.transaction}).`);
  } catch (error) {
    let message = error.message;
    if (error.contractError === 'WorkUnauthorized') {
      message = `Only the holder of this work (${state.work.holder}) or someone they approved can change it. ` + message;
    }
    say('act-status', message, true);
    if (state.work) showWork(state.hash, state.work);
  }
}

function nextOptOuts(add) {
  const current = new Set(state.work.optedOut);
  for (const use of AI_USES) (add ? current.add(use) : current.delete(use));
  return [...current];
}

// ---------------------------------------------------------------- start

async function start() {
  try {
    state.info = await api('GET', '/info');
    $('chain').textContent = `Connected to the registry on network ${state.info.chainId}.`;
  } catch (error) {
    say('chain', `The registry is not reachable: ${error.message}`, true);
    return;
  }
  featureNotes();
  if (window.ethereum) $('signer-wallet').hidden = false;
  if (state.info.devKeys) {
    const dev = await api('GET', '/dev/accounts');
    state.devAccounts = dev.accounts;
    $('dev-account').replaceChildren(...dev.accounts.map((a) => {
      const option = document.createElement('option');
      option.value = String(a.index);
      option.textContent = `#${a.index} ${a.address} — ${a.label}`;
      return option;
    }));
    $('dev-account').value = '1';
    $('signer-dev').hidden = false;
  }
  const first = document.querySelector('#signer > div:not([hidden]) input');
  if (first) first.checked = true;
  else $('no-signer').hidden = false;
}

$('file').addEventListener('change', (event) => onFile(event.target.files[0]));
$('hash-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.file = null;
  resetNear();
  const value = $('hash-input').value.trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(value)) {
    say('status', 'A fingerprint is 64 hex digits (0–9, a–f), optionally starting with 0x.', true);
    return;
  }
  lookUp(value);
});
const drop = $('drop');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  onFile(event.dataTransfer.files[0]);
});
for (const button of document.querySelectorAll('[data-export]')) {
  button.addEventListener('click', () => showExport(button.dataset.export));
}
if ($('near-find')) $('near-find').addEventListener('click', findNearCopies);
$('optout').addEventListener('click', () => setOptOut(nextOptOuts(true), 'your work is opted out of AI training'));
$('optin').addEventListener('click', () => setOptOut(nextOptOuts(false), 'your work is opted back in to AI training'));
start();
