import { test, expect, admin, member, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { LoginPage } from '../pages/login-page';
import { UsersPage, AccountPage, elsewhere } from '../pages/accounts-page';

// Refused forms (400), and pages of a session that was ended (401) or a user who may not see them (403).
test.use({ allowedConsoleErrors: [/status of 40[013]/] });

/** A session that was ended: the next page it opens is the sign-in page. */
async function expectSignedOut(page: import('@playwright/test').Page) {
  await page.goto('/projects');
  await expect(page).toHaveURL(/\/login$/);
}

test('a system admin creates a user, who changes their password, which ends their other session', async ({ page, browser, baseURL }) => {
  const name = `ops-${Date.now()}`;
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const users = await UsersPage.reach(page);
  await users.newUsername.fill(name);
  await users.newPassword.fill('first password 1');
  await users.create.click();
  await expect(page.getByText(`User ${name} created.`)).toBeVisible();
  await expect(users.row(name)).toContainText('Active');
  await screenshot(page, 'users');

  // The same person at two machines.
  const desk = await elsewhere(browser, baseURL!, name, 'first password 1');
  const laptop = await elsewhere(browser, baseURL!, name, 'first password 1');
  const account = await AccountPage.open(desk);
  await account.current.fill('not my password');
  await account.password.fill('second password 2');
  await account.repeat.fill('second password 2');
  await account.change.click();
  await expect(desk.getByRole('alert')).toContainText('The current password is not right.');
  // The repetition is checked before sending.
  await account.current.fill('first password 1');
  await account.repeat.fill('second password 3');
  await account.change.click();
  await expect(account.repeat).toHaveAttribute('aria-invalid', 'true');
  await account.repeat.fill('second password 2');
  await account.change.click();
  await expect(desk.getByText('Your password is changed.')).toBeVisible();

  // The laptop's session ended; the desk's goes on; the new password signs in.
  await expectSignedOut(laptop);
  await desk.goto('/projects');
  await expect(desk.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  const login = new LoginPage(laptop);
  await login.open();
  await login.signIn(name, 'first password 1');
  await expect(login.error).toHaveText('Invalid username or password.');
  await login.signIn(name, 'second password 2');
  await expect(laptop).toHaveURL(/\/$/);
  await desk.context().close();
  await laptop.context().close();
});

test('disabling an account ends its sessions and keeps it out until it is enabled; a reset password ends them too', async ({ page, browser, baseURL }) => {
  const name = `leaver-${Date.now()}`;
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const users = await UsersPage.reach(page);
  await users.newUsername.fill(name);
  await users.newPassword.fill('their password 1');
  await users.create.click();
  await expect(users.row(name)).toContainText('Active');
  // No one disables their own account.
  await expect(users.row(admin.username).getByRole('button')).toHaveCount(0);

  const theirs = await elsewhere(browser, baseURL!, name, 'their password 1');
  await users.row(name).getByRole('button', { name: `Disable ${name}` }).click();
  await expect(users.row(name)).toContainText('Disabled since');
  await expectSignedOut(theirs);
  const login = new LoginPage(theirs);
  await login.open();
  await login.signIn(name, 'their password 1');
  await expect(login.error).toContainText('This account is disabled');

  await users.row(name).getByRole('button', { name: `Enable ${name}` }).click();
  await expect(users.row(name)).toContainText('Active');
  await login.signIn(name, 'their password 1');
  await expect(theirs).toHaveURL(/\/$/);

  await users.resetUser.selectOption(name);
  await users.resetPassword.fill('set by the admin 1');
  await users.reset.click();
  await expect(page.getByText(`The password of ${name} is reset.`)).toBeVisible();
  await expectSignedOut(theirs);
  await theirs.context().close();
});

test('a user who is not a system admin has no Users page', async ({ page }) => {
  await ProjectsPage.signedIn(page, member.username, member.password);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
  await page.goto('/users');
  await expect(page.getByRole('alert')).toContainText('Only a system admin may list users.');
});
