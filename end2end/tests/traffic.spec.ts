import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';

const auth = { Authorization: `Bearer ${adminToken}` };

test('the proxy page draws the traffic the gateway counted, and a backend that stopped answering', async ({ page, request }) => {
  // One backend that answers, by path: 200, 404 or 500.
  const backend = http.createServer((req, res) => {
    res.statusCode = req.url?.endsWith('/missing') ? 404 : req.url?.endsWith('/broken') ? 500 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const good = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  // And one address where nothing listens.
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  try {
    const name = `counted-${Date.now()}`;
    const body = {
      name,
      relativePath: `/${name}`,
      deployList: ['staging'],
      routing: { algorithm: 'ROUND_ROBIN', addressList: [{ address: good }, { address: dead }] },
    };
    expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
    const deployed = await request.post(`/apiops/projects/MyProject/apiProxies/${name}/environments/staging/`, { headers: auth, data: {} });
    expect(deployed.status()).toBe(200);
    const envs = await (await request.get('/apiops/environments/', { headers: auth })).json();
    const staging = envs.resultList.find((e: { name: string }) => e.name === 'staging');
    const accessUrl: string = staging.accessUrl;

    // 10 requests: 7 answered 200, 2 answered 404, 1 answered 500. The dead backend is tried, sits out,
    // and each of those requests is retried on the good one.
    const paths = [...Array(7).fill('/ok'), '/missing', '/missing', '/broken'];
    for (const p of paths) {
      await expect(async () => {
        const r = await request.get(`${accessUrl}/${name}${p}`);
        expect([200, 404, 500]).toContain(r.status());
      }).toPass();
    }

    await ProjectsPage.signedIn(page, admin.username, admin.password);
    await ProxyPage.reach(page, 'MyProject', name);
    const charts = page.getByRole('group', { name: 'Traffic in staging' });
    // The embedded gateway reports with its heartbeat; the page asks again when reloaded.
    await expect(async () => {
      await page.reload();
      await expect(charts.getByRole('img', { name: /^\d+ requests in the last hour/ })).toHaveAccessibleName(
        '10 requests in the last hour, at most 10 a minute', { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await expect(charts.getByRole('img', { name: /4xx answers/ })).toHaveAccessibleName('4xx answers: 20.0 % of the requests in the last hour');
    await expect(charts.getByRole('img', { name: /5xx answers/ })).toHaveAccessibleName('5xx answers: 10.0 % of the requests in the last hour');
    const backends = charts.getByRole('table', { name: 'Backends' });
    await expect(backends.getByRole('row').filter({ hasText: good })).toContainText('Up');
    await expect(backends.getByRole('row').filter({ hasText: dead })).toContainText(/Sitting out|Unreachable/);
    await screenshot(page, 'traffic');
  } finally {
    backend.close();
  }
});
