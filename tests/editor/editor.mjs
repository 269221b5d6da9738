// End-to-end test of the ontology editor page (GET /editor) in headless Chromium.
//
//   node tests/editor/editor.mjs BASE_URL SCREENSHOT_PATH
//
// Loads the draft, appends a class, saves, validates, diffs against the current version,
// publishes, and checks that a new current version appears. Prints
// `editor e2e ok: published v<N>` and exits 0, or prints what failed and exits 1
// (a full-page screenshot is written to SCREENSHOT_PATH either way).
//
// Needs: Debian's chromium at /usr/bin/chromium (override with CHROMIUM=...) and
// `npm install` (playwright-core) in this folder. Nothing is downloaded.
// It changes the server's draft and publishes a version: run it against a fresh scratch server.
// E2E_VERBOSE=1 prints each step's time to stderr.

import { chromium } from 'playwright-core';

const [BASE_ARG, SHOT, KEY] = process.argv.slice(2);
if (!BASE_ARG || !SHOT || !KEY) {
  console.error('usage: node tests/editor/editor.mjs BASE_URL SCREENSHOT_PATH EDITOR_KEY');
  process.exit(2);
}
const BASE = BASE_ARG.replace(/\/+$/, '');
const STEP_MS = 30_000;
const TOTAL_MS = 5 * 60_000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const ADDITION =
  '<https://zhiku.dev/ns#GiftWrapping> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2000/01/rdf-schema#Class> ;\n' +
  '    <http://www.w3.org/2000/01/rdf-schema#label> "礼品包装"@zh .\n';

const t0 = Date.now();
const log = [];
const pageErrors = [];
const consoleErrors = [];
const badResponses = [];
let browser = null;
let page = null;
let current = 'launch';

const since = () => ((Date.now() - t0) / 1000).toFixed(1) + 's';

async function step(name, fn) {
  current = name;
  const t = Date.now();
  const r = await fn();
  log.push(`  ok  ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  return r;
}

// Status bar after an action: waits until #status reports `op` as finished (newer than `seq`).
async function waitStatus(op, seq) {
  await page.waitForFunction(
    ([op, seq]) => {
      const s = document.querySelector('#status');
      return s && s.dataset.op === op && Number(s.dataset.seq) > seq &&
        ['ok', 'warn', 'error'].includes(s.dataset.state);
    },
    [op, seq],
    { timeout: STEP_MS },
  );
  const st = await page.$eval('#status', (s) => ({ state: s.dataset.state, text: s.innerText.trim() }));
  if (st.state === 'error') throw new Error(`#status reports an error after ${op}: ${st.text}`);
  return st.text;
}
const statusSeq = () => page.$eval('#status', (s) => Number(s.dataset.seq || 0));

async function click(sel) {
  await page.waitForSelector(`${sel}:not([disabled])`, { timeout: STEP_MS });
  const seq = await statusSeq();
  await page.click(sel, { timeout: STEP_MS });
  return seq;
}

function versionsState() {
  return page.$$eval('#versions li[data-version]', (lis) => lis.map((li) => ({
    version: Number(li.dataset.version),
    current: li.dataset.current === 'true',
    text: li.textContent,
  })));
}

async function screenshot() {
  if (!page) return false;
  try {
    await page.evaluate(() => window.scrollTo(0, 0)).catch(() => {});
    await page.screenshot({ path: SHOT, fullPage: true, timeout: STEP_MS });
    return true;
  } catch (e) {
    console.error(`(screenshot failed: ${e.message})`);
    return false;
  }
}

async function main() {
  browser = await step('launch chromium', () => chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: STEP_MS,
  }));
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(String(e && e.stack ? e.stack : e)));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) badResponses.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
  // The page must not load anything from elsewhere.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(BASE + '/') || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    badResponses.push(`blocked external request ${u}`);
    return route.abort();
  });

  await step('open /editor', async () => {
    // The key travels in the fragment, which the browser never sends to the server.
    const res = await page.goto(BASE + '/editor#key=' + encodeURIComponent(KEY), { waitUntil: 'domcontentloaded', timeout: STEP_MS });
    if (!res || res.status() !== 200) throw new Error(`GET /editor answered ${res ? res.status() : 'nothing'}`);
    const ct = res.headers()['content-type'] || '';
    if (!ct.includes('text/html')) throw new Error(`GET /editor content-type is "${ct}", want text/html`);
  });

  await step('draft loaded into #draft', async () => {
    await page.waitForFunction(() => {
      const d = document.querySelector('#draft');
      const s = document.querySelector('#save');
      return d && d.value.length > 0 && s && !s.disabled;
    }, null, { timeout: STEP_MS });
  });

  const before = await step('versions listed', async () => {
    await page.waitForFunction(() => {
      const v = document.querySelector('#versions');
      return v && v.dataset.loaded && v.dataset.loaded !== 'false';
    }, null, { timeout: STEP_MS });
    if ((await page.$eval('#versions', (v) => v.dataset.loaded)) !== 'true') {
      throw new Error('#versions failed to load: ' + (await page.$eval('#versions', (v) => v.innerText)));
    }
    return versionsState();
  });
  const expected = before.length + 1;

  await step('append GiftWrapping to the draft', async () => {
    const len = await page.$eval('#draft', (d) => d.value.length);
    if (await page.$eval('#draft', (d) => d.value.includes('https://zhiku.dev/ns#GiftWrapping'))) {
      throw new Error('the draft already mentions zk:GiftWrapping (an earlier run?): run against a fresh server');
    }
    await page.click('#draft');
    await page.keyboard.press('Control+End');
    // Insert as a paste would (through the editing pipeline, firing `input`). CDP's
    // keyboard.insertText takes ~7 s at the end of a 1.5 MB textarea; this takes <1 s.
    await page.evaluate((add) => {
      const d = document.querySelector('#draft');
      d.focus();
      if (!document.execCommand('insertText', false, add)) {
        d.setRangeText(add, d.value.length, d.value.length, 'end');
        d.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }, '\n' + ADDITION);
    const ok = await page.$eval('#draft', (d, add) => d.value.trimEnd().endsWith(add.trimEnd()), ADDITION);
    if (!ok) throw new Error(`the draft (was ${len} chars) does not end with the appended Turtle`);
  });

  await step('save (PUT draft)', async () => {
    const seq = await click('#save');
    await waitStatus('save', seq);
  });

  await step('validate: no problems', async () => {
    const seq = await click('#validate');
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#problems').dataset.state),
      null, { timeout: STEP_MS });
    const p = await page.$eval('#problems', (u) => ({ ok: u.dataset.ok, count: u.dataset.count, text: u.innerText.trim() }));
    if (p.ok !== 'true') throw new Error(`validation did not pass: ${p.text.slice(0, 1000)}`);
    await waitStatus('validate', seq);
  });

  await step('diff current → draft shows GiftWrapping', async () => {
    const seq = await click('#diff-btn');
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#diff').dataset.state),
      null, { timeout: STEP_MS });
    await waitStatus('diff', seq);
    const text = await page.$eval('#diff', (d) => d.textContent);
    if (!text.includes('GiftWrapping')) throw new Error(`#diff lacks GiftWrapping: ${text.slice(0, 500)}`);
  });

  const published = await step(`publish → v${expected} current`, async () => {
    const seq = await click('#publish');
    const msg = await waitStatus('publish', seq);
    await page.waitForFunction((n) => {
      const lis = document.querySelectorAll('#versions li[data-version]');
      const cur = document.querySelector('#versions li[data-current="true"]');
      return lis.length === n && cur && Number(cur.dataset.version) === n && cur.textContent.includes('v' + n);
    }, expected, { timeout: STEP_MS }).catch(async () => {
      const now = await versionsState();
      throw new Error(`#versions after publish (status "${msg}") does not list v${expected} as current: ` +
        JSON.stringify(now.map((v) => `${v.current ? '*' : ''}v${v.version}`)));
    });
    if (!msg.includes('v' + expected)) throw new Error(`#status after publish says "${msg}", want v${expected}`);
    return expected;
  });

  await step('screenshot', async () => {
    if (!(await screenshot())) throw new Error(`could not write ${SHOT}`);
  });

  if (pageErrors.length) { current = 'page errors'; throw new Error('uncaught errors in the page:\n' + pageErrors.join('\n')); }
  return published;
}

const guard = setTimeout(() => {
  console.error(`editor e2e FAILED: gave up after ${TOTAL_MS / 1000}s in step "${current}"`);
  process.exit(1);
}, TOTAL_MS);

let code = 0;
try {
  const n = await main();
  if (process.env.E2E_VERBOSE) console.error(log.join('\n') + `\n  total ${since()}`);
  console.log(`editor e2e ok: published v${n}`);
} catch (e) {
  code = 1;
  const msg = String(e && e.message ? e.message : e).replace(/\x1b\[[0-9;]*m/g, '');
  console.error(`editor e2e FAILED in step "${current}" after ${since()}: ${msg}`);
  if (log.length) console.error('steps passed:\n' + log.join('\n'));
  if (page) {
    const status = await page.$eval('#status', (s) => `[${s.dataset.state}/${s.dataset.op}] ${s.innerText.trim()}`).catch(() => null);
    if (status) console.error('#status: ' + status);
  }
  if (pageErrors.length) console.error('page errors:\n  ' + pageErrors.join('\n  '));
  if (consoleErrors.length) console.error('console errors:\n  ' + consoleErrors.slice(0, 20).join('\n  '));
  if (badResponses.length) console.error('failed requests:\n  ' + badResponses.slice(0, 20).join('\n  '));
  if (await screenshot()) console.error(`screenshot: ${SHOT}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  clearTimeout(guard);
}
process.exit(code);
