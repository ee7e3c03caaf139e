import { test, expect, admin, adminToken, screenshot } from '../fixtures';

// Scripts are off for this file (see playwright.config.ts): every form here posts itself to its server
// function, which answers with a redirect back to the page.
const auth = { Authorization: `Bearer ${adminToken}` };

async function signIn(page: import('@playwright/test').Page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(admin.username);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

test.describe('refused sign-in', () => {
  test.use({ allowedConsoleErrors: [/status of 4\d\d/] });

  test('signing in works without scripts, and a wrong password is said on the page', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Invalid username or password.');
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  });
});

test('deploys and undeploys without scripts', async ({ page, request }) => {
  const name = `plain-${Date.now()}`;
  const body = { name, relativePath: `/${name}`, deployList: ['staging'], routing: { addressList: [{ address: 'http://127.0.0.1:9101' }] } };
  expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  await signIn(page);
  await page.goto(`/projects/MyProject/proxies/${name}`);
  const live = page.locator('ul.live li').filter({ hasText: 'staging' });
  await expect(live).toHaveCount(0);
  await page.getByLabel('Description of this deploy').fill('Sent as a plain form');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/proxies/${name}\\??$`));
  await expect(live).toContainText('rev 1');
  await screenshot(page, 'nojs-deployed');
  await page.getByRole('button', { name: 'Undeploy', exact: true }).click();
  await expect(live).toHaveCount(0);
});

test('rolls back without scripts', async ({ page, request }) => {
  const name = `plain-rb-${Date.now()}`;
  const body = { name, relativePath: `/${name}`, deployList: ['staging'], description: 'first' };
  expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  await signIn(page);
  await page.goto(`/projects/MyProject/proxies/${name}`);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page.locator('ul.live li').filter({ hasText: 'staging' })).toContainText('rev 1');
  await page.goto(`/projects/MyProject/proxies/${name}/history`);
  await page.getByLabel('To revision', { exact: true }).selectOption('1');
  await page.getByLabel('Then deploy to').selectOption('staging');
  await page.getByRole('button', { name: 'Roll back', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/proxies/${name}/history\\??$`));
  const rows = page.getByRole('table', { name: 'Deploy history' }).getByRole('row');
  await expect(rows.nth(1)).toContainText('DEPLOY');
  await expect(rows.nth(2)).toContainText('ROLLBACK');
  await screenshot(page, 'nojs-rolled-back');
});

test('a production deploy without scripts needs its box ticked, and a refusal is shown on the page', async ({ page, request }) => {
  const name = `plain-prod-${Date.now()}`;
  const body = { name, relativePath: `/${name}`, deployList: ['production'] };
  expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  await signIn(page);
  await page.goto(`/projects/MyProject/proxies/${name}`);
  const live = page.locator('ul.live li').filter({ hasText: 'production' });
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('production is a production environment');
  await expect(live).toHaveCount(0);
  await page.getByLabel('I have checked what this changes in production').check();
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(live).toContainText('rev 1');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('deploys and undeploys a group without scripts', async ({ page, request }) => {
  const stamp = Date.now();
  const members = [`plain-cart-${stamp}`, `plain-till-${stamp}`];
  for (const name of members) {
    const body = { name, relativePath: `/${name}`, deployList: ['staging'] };
    expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  }
  const group = `PlainGroup-${stamp}`;
  const g = await request.post('/apiops/projects/MyProject/apiProxyGroups/', { headers: auth, data: { name: group, apiProxies: members } });
  expect(g.status()).toBe(200);
  await signIn(page);
  await page.goto(`/projects/MyProject/groups/${group}`);
  const liveIn = (member: string) => page.locator('ul.members > li').filter({ hasText: member }).locator('ul.live li');
  await page.getByLabel('Environment').selectOption('staging');
  await page.getByLabel('Description of this deploy').fill('Group sent as a plain form');
  await page.getByRole('button', { name: 'Deploy group', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/groups/${group}\\??$`));
  for (const member of members) await expect(liveIn(member)).toContainText('staging rev 1');
  await screenshot(page, 'nojs-group-deployed');
  // Undeploying a whole group cannot ask first without scripts: the box stands for the question.
  await page.getByLabel('Environment').selectOption('staging');
  await page.getByRole('button', { name: 'Undeploy group', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Undeploying a group stops every member serving');
  for (const member of members) await expect(liveIn(member)).toContainText('staging rev 1');
  await page.getByLabel('Environment').selectOption('staging');
  await page.getByLabel(/I have checked what this changes/).check();
  await page.getByRole('button', { name: 'Undeploy group', exact: true }).click();
  for (const member of members) await expect(liveIn(member)).toHaveCount(0);
});

test('publishes chosen APIs and takes them offline without scripts, the offline only with its box ticked', async ({ page, request }) => {
  const stamp = Date.now();
  const names = [0, 1, 2].map((i) => `plain-pub-${stamp}-${i}`);
  for (const name of names) {
    const body = { name, relativePath: `/${name}`, deployList: ['staging'] };
    expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
  }
  await signIn(page);
  await page.goto('/environments/staging');
  // The project is chosen by loading the page for it.
  await page.getByLabel('Project').selectOption('MyProject');
  await page.getByRole('button', { name: 'Show its APIs' }).click();
  await expect(page).toHaveURL(/\/environments\/staging\?project=MyProject$/);
  const live = page.getByRole('table', { name: 'Live API proxies' });
  await page.getByLabel(names[0], { exact: true }).check();
  await page.getByLabel(names[1], { exact: true }).check();
  await page.getByLabel('Remark').fill('Published as a plain form');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(live).toContainText(names[0]);
  await expect(live).toContainText(names[1]);
  await expect(live).not.toContainText(names[2]);
  await screenshot(page, 'nojs-published');

  // Taking APIs offline cannot ask first without scripts: the box stands for the question.
  await page.getByLabel(names[0], { exact: true }).check();
  await page.getByRole('button', { name: 'Take offline' }).click();
  await expect(page.getByRole('alert')).toContainText('Taking APIs offline stops them serving at once');
  await expect(live).toContainText(names[0]);
  await page.getByLabel(names[0], { exact: true }).check();
  await page.getByLabel('I have checked what this changes (needed to take APIs offline)').check();
  await page.getByRole('button', { name: 'Take offline' }).click();
  await expect(live).not.toContainText(names[0]);
  await expect(live).toContainText(names[1]);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
