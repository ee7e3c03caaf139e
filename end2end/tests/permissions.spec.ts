import { test, expect, member, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { ProxyPage } from '../pages/proxy-page';

test('a member without DEPLOY_UNDEPLOY sees deploy disabled, with the reason', async ({ page, request }) => {
  const granted = await request.put(`/apiops/projects/MyProject/members/${member.username}/`, {
    headers: { Authorization: `Bearer ${adminToken}` },
    data: { projectAdmin: false, permissions: ['VIEW'] },
  });
  expect(granted.status()).toBe(200);
  await ProjectsPage.signedIn(page, member.username, member.password);
  const proxy = await ProxyPage.reach(page, 'MyProject', 'petstore-api');
  await expect(proxy.deploy).toBeDisabled();
  await expect(proxy.undeploy).toBeDisabled();
  await expect(page.getByText('You need the API_MANAGEMENT + DEPLOY_UNDEPLOY permission in this project.')).toBeVisible();
  await proxy.historyTab.click();
  await expect(page.getByRole('button', { name: 'Roll back', exact: true })).toBeDisabled();
  await screenshot(page, 'proxy-read-only');
});
