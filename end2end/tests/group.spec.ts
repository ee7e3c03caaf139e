import { test, expect, admin, adminToken, screenshot } from '../fixtures';
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
