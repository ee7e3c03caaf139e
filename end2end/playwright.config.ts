import { defineConfig } from '@playwright/test';

// The server is started by run-suite.sh (or by hand) and named here through PORTICO_URL.
const baseURL = process.env.PORTICO_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  // Two cores: one browser at a time beside the server keeps timings steady.
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  projects: [
    { name: 'browser', testIgnore: /\.nojs\.spec\.ts$/ },
    // The same console with scripts off: what a slow network shows before the WASM arrives.
    { name: 'no-js', testMatch: /\.nojs\.spec\.ts$/, use: { javaScriptEnabled: false } },
  ],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Playwright cannot download its own browser here; Debian's Chromium stands in.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
