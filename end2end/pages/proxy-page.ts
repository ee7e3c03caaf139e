import { type Page, type Locator } from '@playwright/test';
import { hydrated } from '../fixtures';

/** An API proxy's configuration page, with its deploy panel. */
export class ProxyPage {
  readonly heading: Locator;
  readonly environment: Locator;
  readonly description: Locator;
  readonly keepRecord: Locator;
  readonly deploy: Locator;
  readonly undeploy: Locator;
  readonly result: Locator;
  readonly historyTab: Locator;

  constructor(readonly page: Page, readonly proxy: string) {
    this.heading = page.getByRole('heading', { name: proxy, level: 1 });
    this.environment = page.getByLabel('Environment');
    this.description = page.getByLabel('Description of this deploy');
    this.keepRecord = page.getByLabel('Keep this record');
    this.deploy = page.getByRole('button', { name: 'Deploy', exact: true });
    this.undeploy = page.getByRole('button', { name: 'Undeploy', exact: true });
    this.result = page.locator('#deploy-title ~ [role="status"]');
    this.historyTab = page.getByRole('link', { name: 'Deploy history' });
  }

  /** Opens the project from the projects list, then the proxy from the project page, as a person would. */
  static async reach(page: Page, project: string, proxy: string): Promise<ProxyPage> {
    await page.getByRole('link', { name: project, exact: true }).click();
    await page.getByRole('table', { name: 'API proxies' }).getByRole('link', { name: proxy, exact: true }).click();
    const here = new ProxyPage(page, proxy);
    await here.heading.waitFor();
    await hydrated(page);
    return here;
  }

  liveIn(environment: string): Locator {
    return this.page.locator('ul.live li').filter({ hasText: environment });
  }
}
