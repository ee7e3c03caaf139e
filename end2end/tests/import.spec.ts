import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ImportPage } from '../pages/import-page';
import { ProxyForm } from '../pages/proxy-form';

test('imports a dropped export ZIP, deploys it, and shows progress and the result', async ({ page, request }) => {
  // The source is live nowhere, so its path is free for the copy: one path has one owner in an environment.
  const source = `refunds-src-${Date.now()}`;
  const created = await request.post('/apiops/projects/MyProject/apiProxies/', {
    headers: { Authorization: `Bearer ${adminToken}` },
    data: { name: source, relativePath: `/${source}`, deployList: ['staging'], routing: { addressList: [{ address: 'http://127.0.0.1:9102' }] } },
  });
  expect(created.status()).toBe(200);
  const exported = await request.get(`/apiops/projects/MyProject/apiProxies/${source}/export/`, {
    headers: { Authorization: `Bearer ${adminToken}` },
  });
  expect(exported.status()).toBe(200);
  const zip = await exported.body();

  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const importing = await ImportPage.reach(page, 'MyProject');
  const name = `refunds-copy-${Date.now()}`;
  await importing.drop('refunds-export.zip', zip);
  await expect(page.getByText('Ready: refunds-export.zip')).toBeVisible();
  await importing.importAs.fill(name);
  await importing.deploy.check();
  await importing.target('staging').check();
  // Rows replace the file's backends; a wrong one is named beside itself and nothing is uploaded.
  let uploads = 0;
  page.on('request', (r) => {
    if (r.url().includes('/console/files/')) uploads++;
  });
  const rows = new ProxyForm(page);
  await rows.setBackends([['backend-without-scheme']]);
  await importing.importButton.click();
  await expect(rows.backend(1).address).toHaveAttribute('aria-invalid', 'true');
  await expect(await rows.messageOf(rows.backend(1).address)).toContainText('is not an http:// or https:// URL');
  expect(uploads).toBe(0);
  await rows.backend(1).address.fill('http://127.0.0.1:9103');
  await importing.importButton.click();
  await expect(importing.progress).toHaveAttribute('value', '100');
  await expect(page.getByRole('status').filter({ hasText: 'Imported' })).toContainText(`Imported ${name}: added.`);
  await expect(page.getByText('staging: Deployed successfully')).toBeVisible();
  await screenshot(page, 'import-done');

  // The imported proxy is there, live in staging.
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.locator('ul.live li').filter({ hasText: 'staging' })).toContainText('rev 1');
  await expect(rows.backend(1).address).toHaveValue('http://127.0.0.1:9103');
  await expect(rows.backend(2).row).toHaveCount(0);
});

test('refuses a file that is not a zip before uploading it', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const importing = await ImportPage.reach(page, 'MyProject');
  let uploads = 0;
  page.on('request', (r) => {
    if (r.url().includes('/console/files/')) uploads++;
  });
  await importing.drop('notes.txt', Buffer.from('not an export'), 'text/plain');
  await expect(page.getByRole('alert')).toHaveText('Only .zip export files can be imported; “notes.txt” is not one.');
  await importing.importButton.click();
  await expect(page.getByRole('alert')).toHaveText('Choose or drop an export .zip first.');
  expect(uploads).toBe(0);
  await screenshot(page, 'import-refused');
});
