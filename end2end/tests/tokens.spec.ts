import { test, expect, admin, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { TokensPage } from '../pages/tokens-page';

test('creates a token, uses it, revokes it, and the REST API refuses it after', async ({ page, request }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const tokens = new TokensPage(page);
  await tokens.open();
  const label = `pipeline-${Date.now()}`;
  await tokens.label.fill(label);
  await tokens.days.fill('30');
  await tokens.create.click();
  await expect(page.getByText('it is shown only this once')).toBeVisible();
  const secret = (await tokens.newToken.textContent())!.trim();
  expect(secret).toMatch(/^ptc_[0-9a-f]{64}$/);
  await expect(tokens.row(label)).toContainText('never');

  const before = await request.get('/apiops/projects/', { headers: { Authorization: `Bearer ${secret}` } });
  expect(before.status()).toBe(200);
  await screenshot(page, 'tokens-created');

  page.once('dialog', (dialog) => dialog.accept());
  await tokens.row(label).getByRole('button', { name: `Revoke ${label}` }).click();
  await expect(tokens.row(label)).toContainText('revoked');
  const after = await request.get('/apiops/projects/', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  expect(await after.json()).toEqual({ error: 'unauthorized_client', error_description: 'Invalid token' });
});
