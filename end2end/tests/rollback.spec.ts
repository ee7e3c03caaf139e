import { test, expect, admin, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';
import { HistoryPage } from '../pages/history-page';

test('compares two revisions, then rolls back with a deploy', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const proxy = await ProxyPage.reach(page, 'MyProject', 'petstore-api');
  await proxy.historyTab.click();
  const history = new HistoryPage(page);
  await history.heading.waitFor();

  // Release 2.2 (revision 12) retired the third backend that release 2.1 (revision 10) had.
  await history.compareRevision.selectOption('12');
  await history.compareAgainst.selectOption('10');
  await history.showChanges.click();
  // Backends are matched by address, and a removed one reads as its fields, not as JSON.
  const removed = history.changes.getByRole('row').filter({ hasText: 'Backend http://127.0.0.1:9103' });
  await expect(removed).toHaveCount(1);
  await expect(removed).toContainText('removed');
  await expect(removed).toContainText('weight: 1');
  await expect(history.changes).not.toContainText('{');
  await screenshot(page, 'history-diff');

  // The record production serves now is marked; a row compares itself with the current configuration.
  await expect(history.liveRecords().filter({ hasText: 'production' })).toHaveCount(1);
  await history.records.getByRole('button', { name: 'Compare revision 12 with the current configuration' }).click();
  await expect(history.changes).toContainText('From the current configuration to revision 12');
  await expect(history.changes).toContainText('Backend http://127.0.0.1:9102');
  await history.records.getByRole('button', { name: 'Roll back to revision 10' }).click();
  await expect(history.rollbackRevision).toHaveValue('10');

  page.once('dialog', (dialog) => dialog.accept());
  await history.rollbackRevision.selectOption('12');
  await history.rollbackEnvironment.selectOption('production');
  await history.rollBack.click();
  await expect(page.getByText('API Proxy rolled back successfully to deploy history revision (12). Deployed to environment: production')).toBeVisible();
  await expect(history.newestRecord()).toContainText('DEPLOY');
  await expect(history.newestRecord()).toContainText('production');
  await expect(history.records.getByRole('row').nth(2)).toContainText('ROLLBACK');
  await screenshot(page, 'history-rolled-back');
});
