import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { EnvironmentPage } from '../pages/environment-page';

test('publishes 20 APIs to staging in one go and shows the one that failed', async ({ page, request }) => {
  const prefix = `batch-${Date.now()}`;
  for (let i = 0; i < 20; i++) {
    // The last one may only go to production, so publishing it to staging fails.
    const deployList = i === 19 ? ['production'] : ['staging'];
    const created = await request.post('/apiops/projects/MyProject/apiProxies/', {
      headers: { Authorization: `Bearer ${adminToken}` },
      data: { name: `${prefix}-${String(i).padStart(2, '0')}`, relativePath: `/${prefix}/${i}`, deployList },
    });
    expect(created.status()).toBe(200);
  }
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const staging = await EnvironmentPage.reach(page, 'staging');
  await staging.project.selectOption('MyProject');
  await staging.filter.fill(prefix);
  await staging.selectShown.click();
  await expect(page.getByText('20 selected')).toBeVisible();
  await staging.remark.fill('Spring release');
  await expect(staging.remarkCount).toHaveText('14 / 255');
  await staging.publish.click();
  await expect(page.getByText('19 published, 1 failed.')).toBeVisible();
  await expect(staging.results.getByRole('row').filter({ hasText: 'Published' })).toHaveCount(19);
  const failed = staging.results.getByRole('row').filter({ hasText: 'Failed' });
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText(`${prefix}-19`);
  await expect(failed).toContainText('APIG.3805');
  // What is live here now lists them.
  await expect(page.getByRole('table', { name: 'Live API proxies' })).toContainText(`${prefix}-00`);
  await screenshot(page, 'batch-publish');

  // Taking them offline names them first, and the result reads as an offline result.
  let question = '';
  page.once('dialog', (d) => { question = d.message(); void d.accept(); });
  await staging.takeOffline.click();
  await expect.poll(() => question).toContain(`20 APIs: ${prefix}-00, ${prefix}-01`);
  expect(question).toContain('and 5 more offline in staging');
  await expect(page.getByText('19 taken offline, 1 failed.')).toBeVisible();
  await expect(staging.results.getByRole('row').filter({ hasText: 'Taken offline' })).toHaveCount(19);
  await expect(page.getByRole('table', { name: 'Live API proxies' })).not.toContainText(`${prefix}-00`);
});

test('a system admin adds an environment', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
  // The page's code loads on first visit; until it shows, the projects page (with its own Name field) is there.
  await expect(page.getByRole('heading', { name: 'Environments', level: 1 })).toBeVisible();
  const name = `qa-${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Type').selectOption('TEST');
  await page.getByLabel('Access URL').fill('https://qa.example.com');
  await page.getByRole('button', { name: 'Create environment' }).click();
  await expect(page.getByRole('table', { name: 'Environments' }).getByRole('row').filter({ hasText: name })).toContainText('https://qa.example.com');
  await screenshot(page, 'environments');
});
