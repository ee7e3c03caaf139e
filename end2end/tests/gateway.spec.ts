import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';
import { EnvironmentPage } from '../pages/environment-page';

test('a proxy deployed in the console serves traffic through the environment access URL', async ({ page, request }) => {
  // A real backend for the proxy to reach.
  const backend = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`hello from the backend: ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  try {
    const name = `orders-${Date.now()}`;
    const created = await request.post('/apiops/projects/MyProject/apiProxies/', {
      headers: { Authorization: `Bearer ${adminToken}` },
      data: {
        name,
        relativePath: `/${name}`,
        deployList: ['staging'],
        routing: { algorithm: 'ROUND_ROBIN', addressList: [{ address: backendUrl, weight: 1 }] },
      },
    });
    expect(created.status()).toBe(200);

    await ProjectsPage.signedIn(page, admin.username, admin.password);
    const proxy = await ProxyPage.reach(page, 'MyProject', name);
    await proxy.environment.selectOption('staging');
    await proxy.deploy.click();
    await expect(proxy.result).toContainText('staging: Deployed successfully');

    const staging = await EnvironmentPage.reach(page, 'staging');
    const accessUrl = (await staging.accessUrl.textContent()) ?? '';
    expect(accessUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The gateway itself reports serving the deployed revision (it reports right after it swaps).
    await expect(async () => {
      await page.reload();
      await expect(staging.live(name)).toContainText('rev 1', { timeout: 1000 });
    }).toPass();
    await expect(staging.live(name)).not.toContainText('not served');

    const through = await request.get(`${accessUrl}/${name}/items?page=2`);
    expect(through.status()).toBe(200);
    expect(await through.text()).toBe('hello from the backend: GET /items?page=2');
    await screenshot(page, 'environment-gateway');
  } finally {
    backend.close();
  }
});
