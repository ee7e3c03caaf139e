import { type Page, type Locator } from '@playwright/test';
import { hydrated } from '../fixtures';

export class TokensPage {
  readonly heading: Locator;
  readonly label: Locator;
  readonly days: Locator;
  readonly create: Locator;
  readonly newToken: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Access tokens', level: 1 });
    this.label = page.getByLabel('Label');
    this.days = page.getByLabel('Expires in days');
    this.create = page.getByRole('button', { name: 'Create token' });
    this.newToken = page.getByLabel('Token value');
    this.table = page.getByRole('table', { name: 'Your tokens' });
  }

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access tokens' }).click();
    await this.heading.waitFor();
    await hydrated(this.page);
  }

  row(label: string): Locator {
    return this.table.getByRole('row').filter({ hasText: label });
  }
}
