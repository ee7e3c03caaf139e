import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { test, expect, admin, adminToken, screenshot } from '../fixtures';
import { ProjectsPage } from '../pages/projects-page';
import { EnvironmentPage } from '../pages/environment-page';

const portico = process.env.PORTICO_BIN ?? '';
const auth = { Authorization: `Bearer ${adminToken}` };

/** A remote gateway node of `environment` as its own process, with its own cache dir; resolves with its id. */
async function startNode(baseURL: string, environment: string, token: string): Promise<{ child: ChildProcess; id: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-node-'));
  fs.writeFileSync(path.join(dir, 'token'), `${token}\n`);
  const child = spawn(portico, [
    'gateway', '--control-plane', baseURL, '--environment', environment,
    '--node-token-file', path.join(dir, 'token'), '--cache-dir', path.join(dir, 'cache'), '--listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'ignore'] });
  const line: string = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the node exited with ${code}`)));
  });
  // "Gateway for staging: http://127.0.0.1:PORT (node node-...)"
  const id = /\(node ([^)]+)\)/.exec(line)![1];
  return { child, id };
}

test('the environment page shows two remote nodes in sync, then one behind once it is stopped', async ({ page, request, baseURL }) => {
  test.skip(!portico, 'PORTICO_BIN names the binary to start nodes with');
  const issued = await request.post('/apiops/node-tokens/', { headers: auth, data: { environment: 'staging', name: 'playwright' } });
  expect(issued.ok()).toBeTruthy();
  const token = (await issued.json()).result.token as string;
  const nodes = [await startNode(baseURL!, 'staging', token), await startNode(baseURL!, 'staging', token)];
  try {
    await ProjectsPage.signedIn(page, admin.username, admin.password);
    const staging = await EnvironmentPage.reach(page, 'staging');
    for (const n of nodes) {
      await expect.poll(async () => {
        await page.reload();
        return (await staging.node(n.id).textContent()) ?? '';
      }).toContain('in sync');
    }
    await screenshot(page, 'gateway-nodes-in-sync');

    // One node stops (frozen, its stream still open); a deploy goes out; it is behind, the other follows.
    nodes[1].child.kill('SIGSTOP');
    const name = `nodes-${Date.now()}`;
    const created = await request.post('/apiops/projects/MyProject/apiProxies/', {
      headers: auth,
      data: { name, relativePath: `/${name}`, deployList: ['staging'], routing: { algorithm: 'ROUND_ROBIN', addressList: [{ address: 'http://127.0.0.1:9101', weight: 1 }] } },
    });
    expect(created.ok()).toBeTruthy();
    const deployed = await request.post(`/apiops/projects/MyProject/apiProxies/${name}/environments/staging/`, { headers: auth });
    expect(deployed.ok()).toBeTruthy();
    await expect.poll(async () => {
      await page.reload();
      return [(await staging.node(nodes[0].id).textContent()) ?? '', (await staging.node(nodes[1].id).textContent()) ?? ''];
    }).toEqual([expect.stringContaining('in sync'), expect.stringContaining('behind')]);
    await screenshot(page, 'gateway-nodes-one-behind');
  } finally {
    for (const n of nodes) {
      n.child.kill('SIGCONT');
      n.child.kill('SIGKILL');
    }
  }
});
