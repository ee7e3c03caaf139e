import { test, expect, admin } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test('logging out ends the session and the back button shows no private page', async ({ page }) => {
  const projects = await ProjectsPage.signedIn(page, admin.username, admin.password);
  await expect(projects.row('MyProject')).toBeVisible();
  await projects.logOut.click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goBack();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('MyProject')).toHaveCount(0);

  await page.goto('/projects');
  await expect(page).toHaveURL(/\/login$/);
});
