import { type Page, type Locator } from '@playwright/test';

/** A proxy's deploy history: compare, roll back, records. */
export class HistoryPage {
  readonly heading: Locator;
  readonly compareRevision: Locator;
  readonly compareAgainst: Locator;
  readonly showChanges: Locator;
  readonly changes: Locator;
  readonly rollbackRevision: Locator;
  readonly rollbackEnvironment: Locator;
  readonly rollBack: Locator;
  readonly records: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Records', level: 2 });
    this.compareRevision = page.getByLabel('Revision', { exact: true });
    this.compareAgainst = page.getByLabel('Against');
    this.showChanges = page.getByRole('button', { name: 'Show changes' });
    this.changes = page.getByRole('table', { name: 'Changes' });
    this.rollbackRevision = page.getByLabel('To revision', { exact: true });
    this.rollbackEnvironment = page.getByLabel('Then deploy to');
    this.rollBack = page.getByRole('button', { name: 'Roll back', exact: true });
    this.records = page.getByRole('table', { name: 'Deploy history' });
  }

  /** The record that made what an environment serves now. */
  liveRecords(): Locator {
    return this.records.getByRole('row').filter({ has: this.page.locator('.badge.live') });
  }

  newestRecord(): Locator {
    return this.records.getByRole('row').nth(1);
  }
}
