import { test, expect, admin, member, screenshot, refusedRequest } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test('lists the projects from the database', async ({ page }) => {
  const projects = await ProjectsPage.signedIn(page, admin.username, admin.password);
  await expect(projects.row('MyProject')).toBeVisible();
});

test('a system admin creates a project and the list updates without a page reload', async ({ page }) => {
  const projects = await ProjectsPage.signedIn(page, admin.username, admin.password);
  // A full page load would wipe this marker; the hydrated form must keep it.
  await page.evaluate(() => ((window as unknown as { stayedHere: boolean }).stayedHere = true));
  const name = `Payments-${Date.now()}`;
  await projects.createProject(name, 'Card payments and refunds');
  await expect(page.getByRole('status')).toContainText(`Project ${name} created.`);
  await expect(projects.row(name)).toContainText('Card payments and refunds');
  expect(await page.evaluate(() => (window as unknown as { stayedHere?: boolean }).stayedHere)).toBe(true);
  await expect(projects.name).toHaveValue('');
  await screenshot(page, 'project-created');
});

test.describe('refused project', () => {
  test.use({ allowedConsoleErrors: [refusedRequest] });

  test('a duplicate project name is refused and what was typed stays', async ({ page }) => {
    const projects = await ProjectsPage.signedIn(page, admin.username, admin.password);
    await projects.createProject('MyProject', 'again');
    await expect(page.getByRole('alert')).toHaveText('Project (MyProject) already exists!');
    await expect(projects.description).toHaveValue('again');
  });
});

test('a user who is not a system admin gets no New project form', async ({ page }) => {
  const projects = await ProjectsPage.signedIn(page, member.username, member.password);
  await expect(projects.heading).toBeVisible();
  await expect(page.getByRole('heading', { name: 'New project' })).toHaveCount(0);
  await screenshot(page, 'projects-member');
});
