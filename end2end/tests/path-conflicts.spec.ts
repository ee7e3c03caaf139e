import { test, expect, admin, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyForm } from '../pages/proxy-form';

test('the create form warns before saving when the path is live under another proxy', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('link', { name: 'MyProject', exact: true }).click();
  await page.locator('summary', { hasText: 'New API proxy' }).click();
  const form = new ProxyForm(page);
  await form.name.fill(`shadow-${Date.now()}`);
  // petstore-api owns /petstore in production (the demo), so a path under it would be refused there.
  await form.path.fill('/petstore/admin');
  await form.deployTo('production').check();
  await expect(form.conflicts()).toContainText('(/petstore)');
  await expect(form.conflicts()).toContainText('petstore-api');
  await screenshot(page, 'path-conflict-warning');
  // A free path: the warning goes.
  await form.path.fill(`/free-${Date.now()}`);
  await expect(form.conflicts()).toHaveCount(0);
});

test('an API proxy with no environment in its deploy list is created', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('link', { name: 'MyProject', exact: true }).click();
  await page.locator('summary', { hasText: 'New API proxy' }).click();
  const form = new ProxyForm(page);
  const name = `undeployed-${Date.now()}`;
  await form.name.fill(name);
  await form.path.fill(`/${name}`);
  await form.setBackends([['https://backend1.example.com']]);
  await form.create.click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
});
