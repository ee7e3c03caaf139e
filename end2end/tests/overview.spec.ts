import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { OverviewPage } from '../pages/overview-page';

const auth = { Authorization: `Bearer ${adminToken}` };

test('the overview shows each environment, the latest deploys and an API proxy failing now', async ({ page, request }) => {
  // A backend that answers every request with a 500.
  const backend = http.createServer((_req, res) => {
    res.statusCode = 500;
    res.end('broken');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  try {
    const name = `failing-${Date.now()}`;
    const body = {
      name,
      relativePath: `/${name}`,
      deployList: ['staging'],
      routing: { algorithm: 'ROUND_ROBIN', addressList: [{ address }] },
    };
    expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
    const deployed = await request.post(`/apiops/projects/MyProject/apiProxies/${name}/environments/staging/`, {
      headers: auth, data: { description: 'A release that breaks' },
    });
    expect(deployed.status()).toBe(200);
    const envs = await (await request.get('/apiops/environments/', { headers: auth })).json();
    const accessUrl: string = envs.resultList.find((e: { name: string }) => e.name === 'staging').accessUrl;
    for (let i = 0; i < 4; i++) {
      await expect(async () => {
        expect((await request.get(`${accessUrl}/${name}/orders`)).status()).toBe(500);
      }).toPass();
    }

    const overview = await OverviewPage.signedIn(page, admin.username, admin.password);
    await expect(overview.environment('production')).toContainText('production');
    await expect(overview.environment('staging')).toContainText(/\d+ API prox(y|ies) live/);
    await expect(overview.environment('staging')).toContainText(/in sync/);
    // The newest deploy is the one just made, with its description.
    await expect(overview.recent.getByRole('row').nth(1)).toContainText(name);
    await expect(overview.recent.getByRole('row').nth(1)).toContainText('A release that breaks');
    // The gateway reports with its heartbeat; the page asks again when reloaded.
    await expect(async () => {
      await page.reload();
      await expect(overview.failing.getByRole('row').filter({ hasText: name }))
        .toContainText('100.0 % of 4 requests answered 5xx', { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await overview.failing.getByRole('link', { name }).click();
    await expect(page).toHaveURL(new RegExp(`/projects/MyProject/proxies/${name}$`));
    await page.goBack();
    await overview.heading.waitFor();
    await screenshot(page, 'overview');
  } finally {
    backend.close();
  }
});
