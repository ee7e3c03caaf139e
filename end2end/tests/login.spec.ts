import { test, expect, admin, screenshot, refusedRequest } from '../fixtures';
import { LoginPage } from '../pages/login-page';
import { ProjectsPage } from '../pages/projects-page';
import { OverviewPage } from '../pages/overview-page';

test('signs in with good credentials and lands on the overview, then goes to the projects', async ({ page }) => {
  const overview = await OverviewPage.signedIn(page, admin.username, admin.password);
  await expect(page).toHaveURL(/\/$/);
  await expect(overview.heading).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }))
    .toHaveAttribute('aria-current', 'page');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await expect(new ProjectsPage(page).heading).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }))
    .toHaveAttribute('aria-current', 'page');
  await screenshot(page, 'projects');
});

test.describe('refused sign-in', () => {
  test.use({ allowedConsoleErrors: [refusedRequest] });

  test('refuses bad credentials with one message that does not say which part was wrong', async ({ page }) => {
    const login = new LoginPage(page);
    await login.open();
    await login.signIn(admin.username, 'not-the-password');
    await expect(login.error).toHaveText('Invalid username or password.');
    await login.signIn('nobody-by-this-name', admin.password);
    await expect(login.error).toHaveText('Invalid username or password.');
    await expect(page).toHaveURL(/\/login$/);
    await screenshot(page, 'login-refused');
  });
});

test.describe('guessed passwords', () => {
  // One pattern: Playwright reads a two-element array in test.use as [value, options].
  test.use({ allowedConsoleErrors: [/the server responded with a status of (400 \(Bad Request\)|429)/] });

  test('slows password guessing: after a burst the page says how long to wait', async ({ page }) => {
    const login = new LoginPage(page);
    const guessed = `guessed-${Date.now()}`;
    await login.open();
    for (let i = 0; i < 5; i++) {
      await login.signIn(guessed, `guess-${i}`);
      await expect(login.error).toHaveText('Invalid username or password.');
    }
    await login.signIn(guessed, 'one-more');
    await expect(login.error).toHaveText(/^Too many failed sign-in attempts\. Try again in \d+ seconds\.$/);
    // Only that account from this address waits: the admin still signs in.
    await ProjectsPage.signedIn(page, admin.username, admin.password);
    await expect(page).toHaveURL(/\/projects$/);
  });
});

test('sends a visitor who is not signed in to the sign-in page', async ({ page }) => {
  await page.goto('/projects');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});
