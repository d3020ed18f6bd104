import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { call, startApp, TestApp } from '../support/app';

/** Debian's chromium; .ci/run installs it. Set CHROMIUM_PATH to use another build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * A host name that is not loopback, as an operator's browser would use: Chromium resolves it to
 * 127.0.0.1 by its own rule, so nothing leaves the machine, yet the page is an ordinary non-secure
 * origin (browsers treat localhost and 127.0.0.1 as secure and never upgrade them to https).
 */
const HOST_NAME = 'orchestrator.test';

/** Set SWAGGER_UI_SCREENSHOT=docs/swagger-ui.png to refresh the README's picture from this run. */
const SCREENSHOT = process.env.SWAGGER_UI_SCREENSHOT;

/** Swagger UI is the page people use: drive it as a person would, in a real headless browser. */
describe('Swagger UI in a real browser, through a non-loopback host name', () => {
  let t: TestApp;
  let browser: Browser;
  /** The service as the browser sees it: http://orchestrator.test:<port> */
  let site: string;
  /** Requests the page could not make (an https upgrade fails here: nothing serves TLS). */
  const failed: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    t = await startApp({ clouds: { default: { engine: 'dummy', extraParams: { nodes: 3, transitionMs: 100 } } } });
    // playwright gives the browser a fresh temporary profile of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
        '--no-proxy-server',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    site = t.url.replace('127.0.0.1', HOST_NAME);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page that records every request that failed, so an assertion can name it. */
  async function openDocs() {
    const page = await browser.newPage();
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    await page.goto(`${site}/docs`);
    return page;
  }

  it('loads the UI and its assets over plain http (no upgrade to https)', async () => {
    failed.length = 0;
    const page = await openDocs();
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).host).toBe(new URL(site).host);
    expect(await page.locator('.swagger-ui .btn.authorize').count()).toBe(1);
    expect(failed).toEqual([]);
    await page.close();
  }, 60_000);

  it('runs "Try it out" on listNodes and shows the nodes', async () => {
    const page = await openDocs();
    const operation = page.locator('#operations-nodes-listNodes');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('tr[data-param-name="cloud"] input').fill('default');
    await operation.locator('tr[data-param-name="limit"] input').fill('2');
    await operation.locator('button.execute').click();

    const body = operation.locator('.live-responses-table .response-col_description .microlight').first();
    await body.waitFor({ timeout: 15_000 });
    const shown = JSON.parse(await body.innerText());
    expect(shown.items.map((n: { name: string }) => n.name)).toEqual(['demo-1', 'demo-2']);
    expect(shown.nextCursor).toEqual(expect.any(String));
    await expect(
      operation.locator('.live-responses-table .response .response-col_status').first().innerText(),
    ).resolves.toBe('200');
    if (SCREENSHOT) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.setViewportSize({ width: 1280, height: 1100 });
      await operation.scrollIntoViewIfNeeded();
      await page.screenshot({ path: SCREENSHOT });
    }
    await page.close();
  }, 60_000);

  it('creates, reboots and destroys a node through "Try it out", as a person would', async () => {
    const page = await openDocs();

    const create = page.locator('#operations-nodes-createNode');
    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    await create.locator('tr[data-param-name="cloud"] input').fill('default');
    await create.locator('button.execute').click(); // with the documented example body
    await create
      .locator('.live-responses-table .response-col_description .microlight')
      .first()
      .waitFor({ timeout: 15_000 });
    expect(await create.locator('.live-responses-table .response .response-col_status').first().innerText()).toBe(
      '202',
    );
    const node = JSON.parse(
      await create.locator('.live-responses-table .response-col_description .microlight').first().innerText(),
    );
    expect(node).toMatchObject({ name: 'web-1', state: 'pending', cloud: 'default' });

    // The node is really there, and becomes running.
    const nodes = async () =>
      (await (await fetch(`${t.url}/api/v1/clouds/default/nodes`)).json()).items as Array<{
        id: string;
        state: string;
      }>;
    for (let i = 0; i < 100 && (await nodes()).find((n) => n.id === node.id)?.state !== 'running'; i++)
      await page.waitForTimeout(50);

    for (const [operationId, status] of [
      ['rebootNode', '202'],
      ['destroyNode', '202'],
    ] as const) {
      const op = page.locator(`#operations-nodes-${operationId}`);
      await op.locator('.opblock-summary').click();
      await op.locator('button.try-out__btn').click();
      await op.locator('tr[data-param-name="cloud"] input').fill('default');
      await op.locator('tr[data-param-name="nodeId"] input').fill(node.id);
      await op.locator('button.execute').click();
      const cell = op.locator('.live-responses-table .response .response-col_status').first();
      await cell.waitFor({ timeout: 15_000 });
      expect([operationId, await cell.innerText()]).toEqual([operationId, status]);
    }
    expect((await nodes()).map((n) => n.id)).not.toContain(node.id);
    await page.close();
  }, 60_000);

  it('shows every v1 operation with its operationId', async () => {
    const page = await openDocs();
    await page.locator('.opblock').first().waitFor();
    const ids = await page.locator('.opblock .opblock-summary-operation-id').allInnerTexts();
    expect(ids).toEqual(
      expect.arrayContaining(['listNodes', 'createNode', 'rebootNode', 'destroyNode', 'importKeyPair']),
    );
    await page.close();
  }, 60_000);
});

describe('browser upgrade to https (helmet CSP and HSTS)', () => {
  it('is asked for only when the deployment terminates TLS in front (http.tlsTerminated)', async () => {
    for (const tlsTerminated of [false, true]) {
      const t = await startApp({ http: { tlsTerminated }, clouds: { default: { engine: 'dummy' } } });
      try {
        const res = await call(t.url, 'GET', '/docs');
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect({ tlsTerminated, upgrade: csp.includes('upgrade-insecure-requests') }).toEqual({
          tlsTerminated,
          upgrade: tlsTerminated,
        });
        expect({ tlsTerminated, hsts: res.headers.has('strict-transport-security') }).toEqual({
          tlsTerminated,
          hsts: tlsTerminated,
        });
      } finally {
        await t.close();
      }
    }
  });
});
