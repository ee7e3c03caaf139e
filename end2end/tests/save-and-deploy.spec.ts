import { test, expect, admin, adminToken, refusedRequest, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';
import { ProxyForm } from '../pages/proxy-form';

const auth = { Authorization: `Bearer ${adminToken}` };

test.describe('save and deploy', () => {
  test.use({ allowedConsoleErrors: [refusedRequest] });

  test('saves an edit and makes it live in one step, or keeps neither when the deploy is refused', async ({ page, request }) => {
    const stamp = Date.now();
    const name = `save-deploy-${stamp}`;
    const taken = `save-deploy-owner-${stamp}`;
    for (const [proxy, path] of [[name, `/${name}`], [taken, `/${taken}`]]) {
      const body = { name: proxy, relativePath: path, deployList: ['staging'] };
      expect((await request.post('/apiops/projects/MyProject/apiProxies/', { headers: auth, data: body })).status()).toBe(200);
    }
    const deployed = await request.post(`/apiops/projects/MyProject/apiProxies/${taken}/environments/staging/`, {
      headers: auth,
      data: {},
    });
    expect(deployed.status()).toBe(200);

    await ProjectsPage.signedIn(page, admin.username, admin.password);
    const proxy = await ProxyPage.reach(page, 'MyProject', name);
    const form = new ProxyForm(page);
    await form.path.fill(`/${name}/v2`);
    await expect(form.saveDeployTarget).toHaveValue('staging');
    await form.saveAndDeploy.click();
    await expect(form.status).toContainText('Saved.');
    await expect(form.status).toContainText('staging: Deployed successfully');
    await expect(proxy.liveIn('staging')).toContainText('staging rev 1');
    await expect(proxy.liveIn('staging')).not.toContainText('redeploy required');
    await screenshot(page, 'save-and-deploy');

    // A path another API proxy owns in staging: the deploy is refused, and the save is not kept either.
    await form.path.fill(`/${taken}`);
    await form.saveAndDeploy.click();
    await expect(form.form.getByRole('alert').first()).toBeVisible();
    await page.reload();
    await expect(form.path).toHaveValue(`/${name}/v2`);
    await expect(proxy.liveIn('staging')).not.toContainText('redeploy required');
  });
});
