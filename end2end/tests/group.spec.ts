import { test, expect, admin, adminToken, hydrated, refusedRequest, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test('deploys a group and sees the result per environment, with the member that was refused', async ({ page, request }) => {
  const stamp = Date.now();
  const auth = { Authorization: `Bearer ${adminToken}` };
  for (const [name, deployList] of [[`cart-${stamp}`, ['staging']], [`ledger-${stamp}`, ['production']]] as const) {
    const r = await request.post('/apiops/projects/MyProject/apiProxies/', {
      headers: auth,
      data: { name, relativePath: `/${name}`, deployList },
    });
    expect(r.status()).toBe(200);
  }
  const group = `Checkout-${stamp}`;
  const g = await request.post('/apiops/projects/MyProject/apiProxyGroups/', {
    headers: auth,
    data: { name: group, apiProxies: [`cart-${stamp}`] },
  });
  expect(g.status()).toBe(200);

  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('link', { name: 'MyProject', exact: true }).click();
  await page.getByRole('table', { name: 'Groups' }).getByRole('link', { name: group }).click();
  await expect(page.getByRole('heading', { name: group, level: 1 })).toBeVisible();
  // Add the member that may not go to staging.
  await page.getByLabel('Add an API proxy').selectOption(`ledger-${stamp}`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('link', { name: `ledger-${stamp}` })).toBeVisible();

  await page.getByLabel('Environment').selectOption('staging');
  await page.getByRole('button', { name: 'Deploy group', exact: true }).click();
  const result = page.getByRole('status').filter({ hasText: 'Deployment' });
  await expect(result).toContainText('Deployment completed with errors');
  await expect(result).toContainText(`Deployed 1 of 2 API proxies. Environment (staging) is not in the deploy list of API Proxy (ledger-${stamp})!`);
  await screenshot(page, 'group-deployed');
});

test.describe('refused group settings', () => {
  test.use({ allowedConsoleErrors: [refusedRequest] });

  test('edits a group client route and CORS, refusing a bad path first', async ({ page, request }) => {
    const group = `Settings-${Date.now()}`;
    const g = await request.post('/apiops/projects/MyProject/apiProxyGroups/', {
      headers: { Authorization: `Bearer ${adminToken}` },
      data: { name: group, apiProxies: [] },
    });
    expect(g.status()).toBe(200);
    await ProjectsPage.signedIn(page, admin.username, admin.password);
    await page.goto(`/projects/MyProject/groups/${group}`);
    await hydrated(page);
    const settings = page.getByRole('form', { name: 'Group settings' });
    await settings.getByLabel('Client route paths').fill('shop');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    // The browser checks before sending, as the server would, and says so beside the field.
    await expect(settings.getByRole('alert')).toContainText("start with '/'");
    await expect(settings.getByLabel('Client route paths')).toHaveAttribute('aria-invalid', 'true');
    // A refused save keeps what was typed, so the person fixes it rather than typing it all again.
    await page.waitForLoadState('networkidle');
    await expect(settings.getByLabel('Client route paths')).toHaveValue('shop');
    await settings.getByLabel('Client route paths').fill('/shop');
    await settings.getByLabel('Client route methods').fill('get, post');
    await settings.getByLabel('Group CORS').check();
    await settings.getByLabel('Allowed origins').fill('https://shop.example.com');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect(settings.getByRole('status')).toContainText('Saved.');
    await page.reload();
    await hydrated(page);
    await expect(page.getByLabel('Client route paths')).toHaveValue('/shop');
    await expect(page.getByLabel('Client route methods')).toHaveValue('GET, POST');
    await expect(page.getByLabel('Group CORS')).toBeChecked();
  });
});
