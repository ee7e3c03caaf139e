import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

const auth = { Authorization: `Bearer ${adminToken}` };

test('the deploy history is drawn over time, a line per environment', async ({ page, request }) => {
  const name = `timeline-${Date.now()}`;
  const body = {
    name,
    relativePath: `/${name}`,
    deployList: ['staging'],
    routing: { algorithm: 'ROUND_ROBIN', addressList: [{ address: 'http://127.0.0.1:9' }] },
  };
  const proxy = `/apiops/projects/MyProject/apiProxies/${name}`;
  expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  // Revisions 1 and 2 deployed, 3 undeployed; 4 rolls back to 1 and 5 deploys it again.
  expect((await request.post(`${proxy}/environments/staging/`, { headers: auth, data: {} })).status()).toBe(200);
  expect((await request.post(`${proxy}/environments/staging/`, { headers: auth, data: {} })).status()).toBe(200);
  expect((await request.delete(`${proxy}/environments/staging/`, { headers: auth, data: {} })).status()).toBe(200);
  expect((await request.post(`${proxy}/deploy-histories/1/rollback/?environmentName=staging`, { headers: auth })).status()).toBe(200);

  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.goto(`/projects/MyProject/proxies/${name}/history`);
  const drawn = page.getByRole('region', { name: 'Over time' });
  await expect(drawn.getByRole('img')).toHaveCount(2);
  await expect(drawn.getByRole('img').first()).toHaveAccessibleName(
    'staging: 3 deploys, 1 undeploy; revision 5 live now');
  await expect(drawn.getByRole('img').last()).toHaveAccessibleName('Configuration: 1 rollback, 0 imports');
  await screenshot(page, 'history-timeline');
});
