import { type Page, type Locator } from '@playwright/test';
import { hydrated } from '../fixtures';

/** The import page: drop zone, metadata form, upload progress and result. */
export class ImportPage {
  readonly heading: Locator;
  readonly dropZone: Locator;
  readonly importAs: Locator;
  readonly deploy: Locator;
  readonly importButton: Locator;
  readonly progress: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Import an API proxy', level: 1 });
    this.dropZone = page.locator('.dropzone');
    this.importAs = page.getByLabel('Import as');
    this.deploy = page.getByLabel('Deploy after import');
    this.importButton = page.getByRole('button', { name: 'Import', exact: true });
    this.progress = page.getByRole('progressbar', { name: 'Upload progress' });
  }

  static async reach(page: Page, project: string): Promise<ImportPage> {
    await page.getByRole('link', { name: project, exact: true }).click();
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    const here = new ImportPage(page);
    await here.heading.waitFor();
    await hydrated(page);
    return here;
  }

  /** Drops a file on the drop zone with a real DataTransfer, as a drag from the desktop does. */
  async drop(name: string, bytes: Buffer, type = 'application/zip'): Promise<void> {
    const dataTransfer = await this.page.evaluateHandle(
      ({ b64, name, type }) => {
        const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([raw], name, { type }));
        return transfer;
      },
      { b64: bytes.toString('base64'), name, type },
    );
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
  }

  target(environment: string): Locator {
    return this.page.getByRole('group', { name: 'Deploy to' }).getByLabel(environment);
  }
}
