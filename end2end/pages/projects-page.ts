import { type Page, type Locator } from '@playwright/test';
import { hydrated } from '../fixtures';
import { OverviewPage } from './overview-page';

export class ProjectsPage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly name: Locator;
  readonly description: Locator;
  readonly create: Locator;
  readonly logOut: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Projects', level: 1 });
    this.table = page.getByRole('table', { name: 'Projects' });
    this.name = page.getByLabel('Name');
    this.description = page.getByLabel('Description');
    this.create = page.getByRole('button', { name: 'Create project' });
    this.logOut = page.getByRole('button', { name: 'Log out' });
  }

  /** Signs in through the sign-in page, lands on the overview, and goes on here by the main navigation. */
  static async signedIn(page: Page, username: string, password: string): Promise<ProjectsPage> {
    await OverviewPage.signedIn(page, username, password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    const projects = new ProjectsPage(page);
    await projects.heading.waitFor();
    await hydrated(page);
    return projects;
  }

  row(projectName: string): Locator {
    return this.table.getByRole('row').filter({ hasText: projectName });
  }

  async createProject(name: string, description: string): Promise<void> {
    await this.name.fill(name);
    await this.description.fill(description);
    await this.create.click();
  }
}
