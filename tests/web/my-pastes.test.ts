// My pastes (/mine) in headless Chromium: paging with "Load more".
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { expectClean, signIn } from './browser-steps.js';
import { createPaste, registerUser } from '../support/graphql.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const ROWS = '[data-testid=my-pastes] tbody tr';

let web: WebFixture;
beforeAll(async () => {
  web = await startWebFixture();
}, 90_000);
afterAll(async () => {
  await web?.close();
}, 30_000);

/** A signed-in user with `count` pastes, and a page signed in as them. */
async function userWithPastes(count: number) {
  const user = await registerUser(web.stack.gatewayUrl, 'pager');
  const ids: string[] = [];
  for (let i = 1; i <= count; i++)
    ids.push(await createPaste(web.stack.gatewayUrl, { content: `paste ${i}`, title: `paged ${i}` }, user.accessToken));
  const w = await web.newPage();
  await signIn(w.page, user.email, user.password);
  return { w, ids };
}

/** Waits for the table to show `n` rows, then checks it shows no more. */
async function waitForRows(page: Page, n: number): Promise<void> {
  await page
    .locator(ROWS)
    .nth(n - 1)
    .waitFor({ state: 'attached', timeout: 10_000 });
  expect(await page.locator(ROWS).count()).toBe(n);
}

async function rowIds(page: Page): Promise<string[]> {
  return page
    .locator(ROWS)
    .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { pasteId: string } }).dataset.pasteId));
}

describe('My pastes', () => {
  it('appends the next page on "Load more" without repeating a row, and hides the button after the last page', async () => {
    const { w, ids } = await userWithPastes(5);
    await w.page.goto('/mine?first=2');
    const more = w.page.getByRole('button', { name: 'Load more' });
    await waitForRows(w.page, 2);
    await more.click();
    await waitForRows(w.page, 4);
    await more.click();
    await waitForRows(w.page, 5);
    // The last page has no cursor: the button goes away (a click would have started over at page 1).
    await more.waitFor({ state: 'hidden', timeout: 5_000 });
    const shown = await rowIds(w.page);
    expect(new Set(shown).size).toBe(5);
    expect([...shown].sort()).toEqual([...ids].sort());
    expectClean(w);
  }, 40_000);

  it('never starts over at page 1 when a page says there is more but gives no cursor', async () => {
    const { w } = await userWithPastes(3);
    // A page with hasNextPage but no endCursor (what a broken or older gateway could send).
    await w.page.route('**/graphql', async (route) => {
      if (route.request().postDataJSON().operationName !== 'MyPastes') return route.continue();
      const response = await route.fetch();
      const body = (await response.json()) as {
        data: { myPastes: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      };
      body.data.myPastes.pageInfo = { hasNextPage: true, endCursor: null };
      return route.fulfill({ response, json: body });
    });
    await w.page.goto('/mine?first=2');
    await waitForRows(w.page, 2);
    expect(await w.page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);
    expect(new Set(await rowIds(w.page)).size).toBe(2);
    expectClean(w);
  }, 40_000);
});
