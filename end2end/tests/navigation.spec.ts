import { test, expect, admin, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test('the navigation reaches every section, and deep links and back work', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Environments' }).click();
  await expect(page).toHaveURL(/\/environments$/);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
  await nav.getByRole('link', { name: 'Access tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Access tokens' })).toBeVisible();
  await screenshot(page, 'access-tokens');
  await page.goBack();
  await expect(page).toHaveURL(/\/environments$/);
  await page.goto('/tokens');
  await expect(page.getByRole('heading', { name: 'Access tokens' })).toBeVisible();
});
