import { test, expect, admin, screenshot, hydrated } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test('the navigation reaches every section, and deep links and back work', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Environments' }).click();
  await expect(page).toHaveURL(/\/environments$/);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await nav.getByRole('link', { name: 'Access tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Access tokens', level: 1 })).toBeVisible();
  await screenshot(page, 'access-tokens');
  await page.goBack();
  await expect(page).toHaveURL(/\/environments$/);
  await page.goto('/tokens');
  await expect(page.getByRole('heading', { name: 'Access tokens', level: 1 })).toBeVisible();
});

test('every console page hydrates from a full page load', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  for (const [path, heading] of [
    ['/projects/MyProject', 'MyProject'],
    ['/projects/MyProject/proxies/petstore-api', 'petstore-api'],
    ['/projects/MyProject/proxies/petstore-api/history', 'petstore-api'],
    ['/environments', 'Environments'],
    ['/environments/staging', 'staging'],
    ['/tokens', 'Access tokens'],
    ['/projects/MyProject/import', 'Import an API proxy'],
    ['/projects/MyProject/groups/PaymentAPIGroup', 'PaymentAPIGroup'],
  ]) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await hydrated(page);
  }
});
