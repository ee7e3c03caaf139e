import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { EnvironmentPage } from '../pages/environment-page';

test('a system admin issues a gateway node token on the environment page, sees it once, and revokes it', async ({ page, request }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const staging = await EnvironmentPage.reach(page, 'staging');
  const label = `edge-${Date.now()}`;
  await page.getByLabel('Node label').fill(label);
  await page.getByRole('button', { name: 'Issue node token' }).click();
  await expect(page.getByText('it is shown only this once')).toBeVisible();
  const secret = (await page.getByLabel('Node token value').textContent())!.trim();
  expect(secret).toMatch(/^ptn_[0-9a-f]{64}$/);
  const row = page.getByRole('table', { name: 'Node tokens' }).getByRole('row').filter({ hasText: label });
  await expect(row).toContainText(secret.slice(0, 10));
  await expect(row).not.toContainText(secret);
  await screenshot(page, 'node-token-issued');

  // Listed over REST too, as hints only.
  const listed = await request.get('/apiops/node-tokens/?environment=staging', { headers: { Authorization: `Bearer ${adminToken}` } });
  expect(await listed.text()).not.toContain(secret);

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: `Revoke ${label}` }).click();
  await expect(row).toContainText('revoked');
  await expect(staging.heading).toBeVisible();
});
