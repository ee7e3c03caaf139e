import { type Page, type Locator } from '@playwright/test';

/** The API proxy form, as the project page (create) and the proxy page (edit) show it. */
export class ProxyForm {
  readonly name: Locator;
  readonly path: Locator;
  readonly addresses: Locator;
  readonly algorithm: Locator;
  readonly create: Locator;
  readonly save: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByLabel('Name', { exact: true });
    this.path = page.getByLabel('Relative path');
    this.addresses = page.getByLabel('Routing addresses');
    this.algorithm = page.getByLabel('Routing algorithm');
    this.create = page.getByRole('button', { name: 'Create API proxy' });
    this.save = page.getByRole('button', { name: 'Save configuration' });
  }

  deployTo(environment: string): Locator {
    return this.page.getByRole('group', { name: 'Deploy list' }).getByLabel(environment);
  }

  /** The warning under the path when it would overlap a path live under another proxy. */
  conflicts(): Locator {
    return this.page.getByRole('status', { name: 'Path conflicts' });
  }

  /** The message shown next to the routing addresses. */
  routingError(): Locator {
    return this.page.locator('#proxy-addresses ~ .field-error');
  }
}
