import { test, expect, admin, hydrated, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';

test.use({ viewport: { width: 390, height: 844 } });

test('every page reads at 390 px wide without sideways scrolling', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  for (const [path, heading, name] of [
    ['/projects', 'Projects', 'projects'],
    ['/projects/MyProject', 'MyProject', 'project'],
    ['/projects/MyProject/proxies/petstore-api', 'petstore-api', 'proxy'],
    ['/projects/MyProject/proxies/petstore-api/history', 'petstore-api', 'history'],
    ['/projects/MyProject/groups/PaymentAPIGroup', 'PaymentAPIGroup', 'group'],
    ['/projects/MyProject/import', 'Import an API proxy', 'import'],
    ['/environments', 'Environments', 'environments'],
    ['/environments/staging', 'staging', 'environment'],
    ['/tokens', 'Access tokens', 'tokens'],
  ]) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await screenshot(page, `narrow-${name}`);
    expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
  }
});
