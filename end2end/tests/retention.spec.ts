import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';
import { HistoryPage } from '../pages/history-page';

test('a pinned record outlives the retention limit', async ({ page, request }) => {
  const auth = { Authorization: `Bearer ${adminToken}` };
  // A project of its own: lowering the limit trims every proxy of the project at once.
  const project = `Keep-${Date.now()}`;
  const name = 'ledger';
  for (const [method, path, data] of [
    ['post', '/apiops/projects/', { name: project }],
    ['put', `/apiops/projects/${project}/environments/staging/`, undefined],
    ['post', `/apiops/projects/${project}/apiProxies/`, { name, relativePath: '/ledger', deployList: ['staging'] }],
  ] as const) {
    const r = await request[method](path, { headers: auth, data });
    expect(r.status(), path).toBe(200);
  }
  {
    await ProjectsPage.signedIn(page, admin.username, admin.password);
    await page.getByRole('link', { name: project, exact: true }).click();
    await page.getByLabel('Deploy history kept per API proxy').fill('2');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Kept: the newest 2 records, and every pinned one.')).toBeVisible();

    await page.getByRole('table', { name: 'API proxies' }).getByRole('link', { name, exact: true }).click();
    const proxy = new ProxyPage(page, name);
    await proxy.deploy.click();
    await expect(proxy.liveIn('staging')).toContainText('rev 1');
    await proxy.historyTab.click();
    const history = new HistoryPage(page);
    await history.records.getByRole('button', { name: 'Pin revision 1' }).click();
    await expect(history.records.getByRole('button', { name: 'Unpin revision 1' })).toHaveText('Pinned');

    await page.getByRole('link', { name: 'Configuration' }).click();
    for (const revision of [2, 3, 4]) {
      // The history is full (2 without "keep"): the page says which record this deploy pushes out,
      // unless this one is kept.
      const warning = page.getByRole('note').filter({ hasText: 'pushes out' });
      if (revision === 4) {
        await expect(warning).toContainText('this pushes out revision 2');
        await proxy.keepRecord.check();
        await expect(warning).toHaveCount(0);
        await proxy.keepRecord.uncheck();
      } else {
        await expect(warning).toHaveCount(0);
      }
      await proxy.deploy.click();
      await expect(proxy.liveIn('staging')).toContainText(`rev ${revision}`);
    }
    await proxy.historyTab.click();
    const revisions = history.records.locator('tbody tr td:first-child');
    await expect(revisions).toHaveText(['4', '3', '1']);
    await screenshot(page, 'retention-kept-pinned');
  }
});
