import { type Page, type Locator } from '@playwright/test';
import { hydrated } from '../fixtures';

/** One environment: what is live there, and the batch publish form. */
export class EnvironmentPage {
  readonly heading: Locator;
  readonly project: Locator;
  readonly filter: Locator;
  readonly selectShown: Locator;
  readonly remark: Locator;
  readonly remarkCount: Locator;
  readonly publish: Locator;
  readonly takeOffline: Locator;
  readonly results: Locator;
  readonly accessUrl: Locator;

  constructor(readonly page: Page, readonly name: string) {
    this.heading = page.getByRole('heading', { name, level: 1 });
    this.project = page.getByLabel('Project');
    this.filter = page.getByLabel('Filter APIs');
    this.selectShown = page.getByRole('button', { name: 'Select all shown' });
    this.remark = page.getByLabel('Remark');
    this.remarkCount = page.locator('#publish-remark-count');
    this.publish = page.getByRole('button', { name: 'Publish', exact: true });
    this.takeOffline = page.getByRole('button', { name: 'Take offline' });
    this.results = page.getByRole('table', { name: 'Publish results' });
    this.accessUrl = page.locator('p.lead code');
  }

  /** The row of a gateway node in the "Gateway nodes" table. */
  node(id: string): Locator {
    return this.page.getByRole('table', { name: 'Gateway nodes' }).getByRole('row').filter({ hasText: id });
  }

  /** The row of a live API proxy in the "Live here" table. */
  live(proxy: string): Locator {
    return this.page.getByRole('table', { name: 'Live API proxies' }).getByRole('row').filter({ hasText: proxy });
  }

  static async reach(page: Page, name: string): Promise<EnvironmentPage> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('table', { name: 'Environments' }).getByRole('link', { name, exact: true }).click();
    const here = new EnvironmentPage(page, name);
    await here.heading.waitFor();
    await hydrated(page);
    return here;
  }
}
