import { test as base, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const admin = {
  username: process.env.PORTICO_ADMIN_USER ?? 'admin',
  password: process.env.PORTICO_ADMIN_PASSWORD ?? '',
};
/** The demo admin's API token, for setting up through the REST API what a spec needs. */
export const adminToken = process.env.PORTICO_ADMIN_TOKEN ?? '';
export const member = {
  username: process.env.PORTICO_MEMBER_USER ?? 'viewer',
  password: process.env.PORTICO_MEMBER_PASSWORD ?? '',
};

/**
 * Every spec fails on a console error or an uncaught exception: a hydration fault shows up there first.
 * A spec that expects the server to refuse a request (Chromium logs every 4xx) says so with
 * `test.use({ allowedConsoleErrors: [...] })`.
 */
export const test = base.extend<{ consoleErrors: string[]; allowedConsoleErrors: RegExp[] }>({
  allowedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await use(errors);
      // `test.use` reads `[pattern, pattern]` as [value, options] (a RegExp is an object): take either form,
      // and list several patterns as one.
      const allowed = [allowedConsoleErrors].flat();
      const unexpected = errors.filter((e) => !allowed.some((pattern) => pattern.test(e)));
      expect(unexpected, 'browser console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the WASM has taken over the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/** Saves a screenshot into end2end/screenshots/ for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folder = path.join(__dirname, 'screenshots');
  fs.mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
}

/** What Chromium logs when the server refuses a request with 400, as server functions do for bad input. */
export const refusedRequest = /the server responded with a status of 400 \(Bad Request\)/;
