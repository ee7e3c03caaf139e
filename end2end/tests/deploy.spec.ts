import { test, expect, admin, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';

test('deploys an API proxy to staging and sees it live there', async ({ page }) => {
  await ProjectsPage.signedIn(page, admin.username, admin.password);
  const proxy = await ProxyPage.reach(page, 'MyProject', 'petstore-api');
  await proxy.environment.selectOption('staging');
  await proxy.description.fill('Canary from the console');
  await proxy.deploy.click();
  await expect(proxy.result).toContainText('Deployment completed successfully');
  await expect(proxy.result).toContainText('staging: Deployed successfully');
  await expect(proxy.liveIn('staging')).toContainText(/staging rev \d+/);
  await expect(proxy.liveIn('staging')).not.toContainText('redeploy required');
  await proxy.historyTab.click();
  const newest = page.getByRole('table', { name: 'Deploy history' }).getByRole('row').nth(1);
  await expect(newest).toContainText('DEPLOY');
  await expect(newest).toContainText('Canary from the console');
  await screenshot(page, 'proxy-deployed');
});
