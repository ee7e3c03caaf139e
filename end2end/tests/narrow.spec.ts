import { test, expect, admin, hydrated, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test.use({ viewport: { width: 390, height: 844 } });

/** Per page: its heading, and per table the columns a phone must still show. */
const pages: [string, string, string, Record<string, string[]>][] = [
  ['/', 'Overview', 'overview', { 'Recent deploys': ['When', 'What', 'API proxy', 'Environment'] }],
  ['/projects', 'Projects', 'projects', { Projects: ['Name', 'API proxies', 'Live deployments'] }],
  ['/projects/MyProject', 'MyProject', 'project', {
    'API proxies': ['Name', 'Path', 'Live in'],
    Groups: ['Name', 'Members'],
    Environments: ['Name', 'Type', 'Status'],
  }],
  ['/projects/MyProject/proxies/petstore-api', 'petstore-api', 'proxy', {}],
  ['/projects/MyProject/proxies/petstore-api/history', 'petstore-api', 'history', {
    'Deploy history': ['Revision', 'Action', 'Environment', 'Time', 'Kept'],
  }],
  ['/projects/MyProject/groups/PaymentAPIGroup', 'PaymentAPIGroup', 'group', {}],
  ['/projects/MyProject/import', 'Import an API proxy', 'import', {}],
  ['/environments', 'Environments', 'environments', { Environments: ['Name', 'Type', 'Access URL'] }],
  ['/environments/staging', 'staging', 'environment', {
    'Live API proxies': ['API proxy', 'Project', 'Revision', 'Gateway serves'],
  }],
  // Two tokens may share a label: what each starts with tells them apart before one is revoked.
  ['/tokens', 'Access tokens', 'tokens', { 'Your tokens': ['Label', 'Starts with', 'Expires', 'Status'] }],
  ['/users', 'Users', 'users', { Users: ['Username', 'Role', 'State'] }],
  ['/account', 'Your account', 'account', {}],
];

test('every page reads at 390 px wide without sideways scrolling', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  for (const [path, heading, name] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await screenshot(page, `narrow-${name}`);
    expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
  }
});

test('at 390 px every table keeps its key columns and every control', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  for (const [path, heading, , tables] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    for (const [label, columns] of Object.entries(tables)) {
      const table = page.getByRole('table', { name: label, exact: true });
      for (const column of columns) {
        await expect(table.getByRole('columnheader', { name: column, exact: true }), `${path}: ${label} › ${column}`)
          .toBeVisible();
      }
    }
    // Whatever a table leaves out on a phone, it never takes a control with it (pin, revoke, links).
    const hiddenControls = await page.locator('table.list').evaluateAll((tables) =>
      tables.flatMap((t) => [...t.querySelectorAll('a, button, input:not([type=hidden]), select')])
        .filter((c) => (c as HTMLElement).offsetParent === null)
        .map((c) => c.outerHTML.slice(0, 80)));
    expect(hiddenControls, `${path}: controls hidden at 390 px`).toEqual([]);
  }
});
