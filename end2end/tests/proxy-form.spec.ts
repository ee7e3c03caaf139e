import { test, expect, admin, adminToken, screenshot, refusedRequest, hydrated } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyForm } from '../pages/proxy-form';
import { ProxyPage } from '../pages/proxy-page';

test('creates an API proxy from the project page', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('link', { name: 'MyProject', exact: true }).click();
  await page.locator('summary', { hasText: 'New API proxy' }).click();
  const form = new ProxyForm(page);
  const name = `orders-${Date.now()}`;
  await form.name.fill(name);
  await form.path.fill(`/${name}`);
  await form.algorithm.selectOption('WEIGHTED_ROUND_ROBIN');
  await form.addresses.fill('http://127.0.0.1:9501 3\nhttp://127.0.0.1:9502 1');
  await form.deployTo('staging').check();
  await form.create.click();
  // It opens on its own page, ready to deploy to staging.
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByLabel('Environment')).toHaveValue('staging');
  await expect(form.addresses).toHaveValue('http://127.0.0.1:9501 3\nhttp://127.0.0.1:9502 1');
  await screenshot(page, 'proxy-created');
});

test.describe('refused configuration', () => {
  test.use({ allowedConsoleErrors: [refusedRequest] });

  test('edits routing: a bad address is refused next to the field, then fixed', async ({ page, request }) => {
    const name = `inventory-${Date.now()}`;
    const created = await request.post('/apiops/projects/MyProject/apiProxies/', {
      headers: { Authorization: `Bearer ${adminToken}` },
      data: { name, relativePath: `/${name}`, deployList: ['staging'], routing: { addressList: [{ address: 'http://127.0.0.1:9601' }] } },
    });
    expect(created.status()).toBe(200);
    await ProjectsPage.signedIn(page, admin.username, admin.password);
    const proxy = await ProxyPage.reach(page, 'MyProject', name);
    await proxy.deploy.click();
    await expect(proxy.liveIn('staging')).toContainText('rev 1');

    const form = new ProxyForm(page);
    await form.addresses.fill('ftp://127.0.0.1:9601 1');
    await form.save.click();
    await expect(form.routingError()).toHaveText('Routing address (ftp://127.0.0.1:9601) must be an http:// or https:// URL.');
    // The refused text stays in the field to be fixed.
    await page.waitForLoadState('networkidle');
    await expect(form.addresses).toHaveValue('ftp://127.0.0.1:9601 1');
    await form.addresses.fill('http://127.0.0.1:9601 1\nhttp://127.0.0.1:9602 2');
    await form.save.click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await expect(form.routingError()).toHaveCount(0);
    // What is live in staging is now behind the configuration.
    await expect(proxy.liveIn('staging')).toContainText('redeploy required');
    await hydrated(page);
    await screenshot(page, 'proxy-edited');
  });
});
