import { type Page, type Locator } from '@playwright/test';

/** The API proxy form, as the project page (create) and the proxy page (edit) show it. */
export class ProxyForm {
  readonly form: Locator;
  readonly name: Locator;
  readonly path: Locator;
  readonly algorithm: Locator;
  readonly addBackend: Locator;
  readonly origins: Locator;
  readonly create: Locator;
  readonly save: Locator;
  readonly saveDeployTarget: Locator;
  readonly saveAndDeploy: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.form = page.locator('form.proxy-form');
    this.name = page.getByLabel('Name', { exact: true });
    this.path = page.getByLabel('Relative path');
    this.algorithm = page.getByLabel('Routing algorithm');
    this.addBackend = page.getByRole('button', { name: 'Add backend' });
    this.origins = this.form.getByLabel('Allowed origins');
    this.create = page.getByRole('button', { name: 'Create API proxy' });
    this.save = page.getByRole('button', { name: 'Save configuration' });
    this.saveDeployTarget = page.getByLabel('or save and deploy to');
    this.saveAndDeploy = page.getByRole('button', { name: 'Save and deploy', exact: true });
    this.status = this.form.getByRole('status').last();
  }

  /** The n-th backend row (from 1): its address, weight, SOAP type and remove button. */
  backend(n: number) {
    const row = this.page.getByRole('group', { name: `Backend ${n}`, exact: true });
    return {
      row,
      address: row.getByLabel('Address'),
      weight: row.getByLabel('Weight'),
      soapType: row.getByLabel('SOAP type'),
      remove: row.getByRole('button', { name: `Remove backend ${n}` }),
    };
  }

  /** Replaces every backend row with `backends` (address, and weight when given). */
  async setBackends(backends: [string, number?][]): Promise<void> {
    while ((await this.page.getByRole('group', { name: /^Backend \d+$/ }).count()) > 0) {
      await this.backend(1).remove.click();
    }
    for (const [i, [address, weight]] of backends.entries()) {
      await this.addBackend.click();
      await this.backend(i + 1).address.fill(address);
      if (weight !== undefined) await this.backend(i + 1).weight.fill(String(weight));
    }
  }

  deployTo(environment: string): Locator {
    return this.page.getByRole('group', { name: 'Deploy list' }).getByLabel(environment);
  }

  /** The warning under the path when it would overlap a path live under another proxy. */
  conflicts(): Locator {
    return this.page.getByRole('status', { name: 'Path conflicts' });
  }

  /** The message a field points at with aria-describedby. */
  async messageOf(field: Locator): Promise<Locator> {
    const id = await field.getAttribute('aria-describedby');
    return this.page.locator(`[id="${id}"]`);
  }
}
