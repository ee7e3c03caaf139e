// `make bench`: time from navigation to an interactive (hydrated) console page in headless Chromium, signed
// in, on loopback and under Chromium's "Fast 3G" emulation; with the requests and the WASM bytes each page
// load takes. The median of five loads after one that warms nothing (the cache is disabled: a first visit).
import { chromium } from '@playwright/test';

const url = process.env.PORTICO_URL;
// DevTools' "Fast 3G" preset.
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1.6 * 1000 * 1000) / 8 * 0.9, uploadThroughput: (750 * 1000) / 8 * 0.9 };
const PAGES = [
  ['overview', '/', { role: 'heading', name: 'Overview' }],
  ['project', '/projects/MyProject', { role: 'table', name: 'API proxies' }],
  ['proxy', '/projects/MyProject/proxies/petstore-api', { role: 'heading', name: 'Edit configuration' }],
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage();
await page.goto(`${url}/login`);
await page.waitForSelector('body[data-hydrated="true"]');
await page.getByLabel('Username').fill(process.env.PORTICO_ADMIN_USER);
await page.getByLabel('Password').fill(process.env.PORTICO_ADMIN_PASSWORD);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL((u) => new URL(u).pathname === '/'); // the overview

const cdp = await page.context().newCDPSession(page);
await cdp.send('Network.enable');
await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
let requests = 0;
let wasmBytes = 0;
const wasm = new Set();
cdp.on('Network.responseReceived', (e) => {
  if (e.response.url.endsWith('.wasm')) wasm.add(e.requestId);
});
cdp.on('Network.requestWillBeSent', () => { requests += 1; });
cdp.on('Network.loadingFinished', (e) => {
  if (wasm.has(e.requestId)) wasmBytes += e.encodedDataLength;
});

async function load(path, ready) {
  requests = 0;
  wasmBytes = 0;
  const started = Date.now();
  await page.goto(`${url}${path}`);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
  await page.getByRole(ready.role, { name: ready.name }).first().waitFor();
  return { ms: Date.now() - started, requests, wasmBytes };
}

for (const [network, conditions] of [['loopback', null], ['Fast 3G', FAST_3G]]) {
  if (conditions) await cdp.send('Network.emulateNetworkConditions', conditions);
  for (const [name, path, ready] of PAGES) {
    const runs = [];
    for (let i = 0; i < 6; i++) {
      const run = await load(path, ready);
      if (i > 0) runs.push(run); // the first run warms the server
    }
    runs.sort((a, b) => a.ms - b.ms);
    const mid = runs[2];
    console.log(`bench: ${network}: navigation to interactive ${name} page median ${mid.ms} ms `
      + `(runs ${runs.map((r) => r.ms).join(', ')} ms), ${mid.requests} requests, `
      + `${(mid.wasmBytes / 1024).toFixed(1)} KiB of WASM over the wire`
      + `${conditions ? '; target < 3000 ms' : '; target < 1500 ms'}`);
  }
}
await browser.close();
