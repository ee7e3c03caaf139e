import { type Page, type Locator } from '@playwright/test';
import { hydrated } from '../fixtures';
import { LoginPage } from './login-page';

/** The landing page after sign-in. */
export class OverviewPage {
  readonly heading: Locator;
  readonly failing: Locator;
  readonly recent: Locator;
  readonly firstSteps: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Overview', level: 1 });
    this.failing = page.getByRole('table', { name: 'Failing now' });
    this.recent = page.getByRole('table', { name: 'Recent deploys' });
    this.firstSteps = page.getByRole('region', { name: 'First steps' });
  }

  /** Signs in through the sign-in page and lands here. */
  static async signedIn(page: Page, username: string, password: string): Promise<OverviewPage> {
    const login = new LoginPage(page);
    await login.open();
    await login.signIn(username, password);
    const overview = new OverviewPage(page);
    await overview.heading.waitFor();
    await hydrated(page);
    return overview;
  }

  static async reach(page: Page): Promise<OverviewPage> {
    await page.goto('/');
    const overview = new OverviewPage(page);
    await overview.heading.waitFor();
    await hydrated(page);
    return overview;
  }

  environment(name: string): Locator {
    return this.page.getByRole('listitem', { name: `Environment ${name}` });
  }
}
