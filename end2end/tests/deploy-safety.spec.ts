import { test, expect, admin, adminToken, screenshot, hydrated } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';

const auth = { Authorization: `Bearer ${adminToken}` };

test('a deploy to production asks first, naming what changes there', async ({ page, request }) => {
  const name = `billing-${Date.now()}`;
  const body = {
    name, relativePath: `/${name}`, deployList: ['production'],
    routing: { addressList: [{ address: 'http://127.0.0.1:9101' }] },
  };
  expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const proxy = await ProxyPage.reach(page, 'MyProject', name);
  await expect(page.getByRole('note').filter({ hasText: 'Production' })).toBeVisible();

  // Declined: nothing is deployed.
  let question = '';
  page.once('dialog', (d) => { question = d.message(); void d.dismiss(); });
  await proxy.deploy.click();
  await expect.poll(() => question).toContain('a production environment');
  expect(question).toContain(`Nothing of ${name} is live in production yet`);
  await expect(proxy.liveIn('production')).toHaveCount(0);

  page.once('dialog', (d) => void d.accept());
  await proxy.deploy.click();
  await expect(proxy.liveIn('production')).toContainText('rev 1');

  // The next deploy names the fields it changes against what production serves.
  const changed = { ...body, description: 'Invoices, now with a second backend', routing: { addressList: [{ address: 'http://127.0.0.1:9101' }, { address: 'http://127.0.0.1:9102' }] } };
  expect((await request.put(`/apiops/projects/MyProject/apiProxies/${name}/`, { headers: auth, data: changed })).status()).toBe(200);
  await page.reload();
  await hydrated(page);
  await expect(proxy.liveIn('production')).toContainText('redeploy required');
  question = '';
  page.once('dialog', (d) => { question = d.message(); void d.accept(); });
  await proxy.deploy.click();
  await expect.poll(() => question).toContain('It replaces revision 1');
  expect(question).toContain('description');
  expect(question).toContain('Backend http://127.0.0.1:9102 (added)');
  await expect(proxy.liveIn('production')).not.toContainText('redeploy required');
  await screenshot(page, 'production-deployed');
});

test('the environment chosen for a deploy stays chosen after it', async ({ page, request }) => {
  const name = `catalog-${Date.now()}`;
  const body = { name, relativePath: `/${name}`, deployList: ['production', 'staging'] };
  expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const proxy = await ProxyPage.reach(page, 'MyProject', name);
  await expect(proxy.environment).toHaveValue('production');
  await proxy.environment.selectOption('staging');
  await proxy.deploy.click();
  await expect(proxy.liveIn('staging')).toContainText('rev 1');
  await expect(proxy.environment).toHaveValue('staging');
});
