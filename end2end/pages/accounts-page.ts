import { type Page, type Locator, type Browser } from '@playwright/test';
import { hydrated } from '../fixtures';
import { ProjectsPage } from './projects-page';

/** The Users page a system admin manages accounts on. */
export class UsersPage {
  readonly table: Locator;
  readonly newUsername: Locator;
  readonly newPassword: Locator;
  readonly newSystemAdmin: Locator;
  readonly create: Locator;
  readonly resetUser: Locator;
  readonly resetPassword: Locator;
  readonly reset: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByRole('table', { name: 'Users' });
    const create = page.getByRole('region', { name: 'New user' });
    this.newUsername = create.getByLabel('Username');
    this.newPassword = create.getByLabel('Password');
    this.newSystemAdmin = create.getByLabel('System admin');
    this.create = create.getByRole('button', { name: 'Create user' });
    const reset = page.getByRole('region', { name: 'Reset a password' });
    this.resetUser = reset.getByLabel('User');
    this.resetPassword = reset.getByLabel('New password');
    this.reset = reset.getByRole('button', { name: 'Reset password' });
  }

  row(username: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('cell', { name: username, exact: true }) });
  }

  /** Opens the page from the header's link, as a system admin would. */
  static async reach(page: Page): Promise<UsersPage> {
    await page.getByRole('banner').getByRole('link', { name: 'Users', exact: true }).click();
    const here = new UsersPage(page);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await hydrated(page);
    return here;
  }
}

/** Your account: changing your own password. */
export class AccountPage {
  readonly current: Locator;
  readonly password: Locator;
  readonly repeat: Locator;
  readonly change: Locator;

  constructor(readonly page: Page) {
    this.current = page.getByLabel('Current password');
    this.password = page.getByLabel('New password', { exact: true });
    this.repeat = page.getByLabel('New password again');
    this.change = page.getByRole('button', { name: 'Change password' });
  }

  static async open(page: Page): Promise<AccountPage> {
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await hydrated(page);
    return new AccountPage(page);
  }
}

/** A second browser (its own cookies) signed in as `username`: another machine, as far as sessions go. */
export async function elsewhere(browser: Browser, baseURL: string, username: string, password: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await ProjectsPage.signedIn(page, username, password);
  return page;
}
