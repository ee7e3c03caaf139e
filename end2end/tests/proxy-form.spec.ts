import { test, expect, admin, adminToken, screenshot, refusedRequest, hydrated } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyForm } from '../pages/proxy-form';
import { ProxyPage } from '../pages/proxy-page';

test('creates an API proxy from the project page, its backends as rows', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('link', { name: 'MyProject', exact: true }).click();
  await page.locator('summary', { hasText: 'New API proxy' }).click();
  const form = new ProxyForm(page);
  const name = `orders-${Date.now()}`;
  await form.name.fill(name);
  await form.path.fill(`/${name}`);
  await hydrated(page);
  // Weights mean nothing to round robin: they are greyed out until the algorithm reads them.
  await form.setBackends([['http://127.0.0.1:9501'], ['http://127.0.0.1:9502']]);
  await expect(form.backend(1).weight).toBeDisabled();
  await form.algorithm.selectOption('WEIGHTED_ROUND_ROBIN');
  await expect(form.backend(1).weight).toBeEnabled();
  await form.backend(1).weight.fill('3');
  await form.deployTo('staging').check();
  await form.create.click();
  // It opens on its own page, ready to deploy to staging, with the rows as saved.
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByLabel('Environment')).toHaveValue('staging');
  await expect(form.backend(1).address).toHaveValue('http://127.0.0.1:9501');
  await expect(form.backend(1).weight).toHaveValue('3');
  await expect(form.backend(2).address).toHaveValue('http://127.0.0.1:9502');
  await expect(form.backend(2).weight).toHaveValue('1');
  await screenshot(page, 'proxy-created');
});

test('the browser names each broken field before sending anything', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('link', { name: 'MyProject', exact: true }).click();
  await page.locator('summary', { hasText: 'New API proxy' }).click();
  await hydrated(page);
  const form = new ProxyForm(page);
  const saves: string[] = [];
  page.on('request', (r) => { if (r.url().includes('save_proxy')) saves.push(r.url()); });
  await form.name.fill('has space');
  await form.path.fill('no-slash');
  await form.setBackends([['https://b1.example.com'], ['https://b1.example.com'], ['ftp://b3.example.com']]);
  await form.origins.fill('https://shop.example.com/checkout');
  await form.create.click();
  for (const [field, text] of [
    [form.name, "Use letters, digits, '-', '_' and '.' only"],
    [form.path, "start with '/'"],
    [form.backend(2).address, 'is listed twice'],
    [form.backend(3).address, 'is not an http:// or https:// URL'],
    [form.origins, 'is not an origin'],
  ] as const) {
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(await form.messageOf(field)).toContainText(text);
  }
  await expect(form.backend(1).address).toHaveAttribute('aria-invalid', 'false');
  await screenshot(page, 'proxy-form-field-errors');
  expect(saves, 'nothing is sent while a field is wrong').toEqual([]);
  // Fixing a field and removing a row clears their messages on the next try.
  await form.backend(3).remove.click();
  await form.backend(2).remove.click();
  await form.path.fill('/fixed');
  await form.create.click();
  await expect(form.path).toHaveAttribute('aria-invalid', 'false');
  await expect(form.backend(2).row).toHaveCount(0);
});

test.describe('refused configuration', () => {
  test.use({ allowedConsoleErrors: [refusedRequest] });

  test('what only the server knows lands beside the row it is about, then is fixed', async ({ page, request }) => {
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

    // Cloud metadata's address is well formed; only the server's backend policy refuses it.
    const form = new ProxyForm(page);
    await form.addBackend.click();
    await form.backend(2).address.fill('http://169.254.169.254/latest');
    await form.save.click();
    await expect(form.backend(2).address).toHaveAttribute('aria-invalid', 'true');
    await expect(await form.messageOf(form.backend(2).address)).toContainText('link-local');
    await expect(form.backend(1).address).toHaveAttribute('aria-invalid', 'false');
    // The refused row stays to be fixed.
    await page.waitForLoadState('networkidle');
    await expect(form.backend(2).address).toHaveValue('http://169.254.169.254/latest');
    await form.backend(2).address.fill('http://127.0.0.1:9602');
    await form.save.click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await expect(form.backend(2).address).toHaveAttribute('aria-invalid', 'false');
    // What is live in staging is now behind the configuration.
    await expect(proxy.liveIn('staging')).toContainText('redeploy required');
    await hydrated(page);
    await screenshot(page, 'proxy-edited');
  });
});
