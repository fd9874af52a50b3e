/**
 * The page under a server that asks who is calling, as `butler serve --auth tokens` runs it: the API
 * answers 401, so the page asks for a token (labelled, saying where tokens come from), refuses a bad one
 * with the server's reason, tells a user whose groups may not read so, and with a good token searches,
 * downloads, renders a preview and cuts out a box, every request carrying the token. Behind an
 * authenticating proxy the proxy's headers are enough and no token is asked for. With
 * BUTLER_WEB_SCREENSHOTS=DIR set, the token page is saved as DIR/token.png (docs/images).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Serving, startServing, withSigningKey } from "../../src/cli/serving.ts";
import { DEMO_CHAIN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { parseServerConfig } from "../../src/server/config.ts";
import { launchChromium } from "../support/browser.ts";

/** What the functions run inside the page use of its globals (the project compiles without the DOM library). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly labels?: { length: number } | null;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly naturalWidth: number;
  readonly hidden: boolean;
  getAttribute(name: string): string | null;
}
declare const document: {
  readonly activeElement: { id: string } | null;
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
};
declare const sessionStorage: { getItem(key: string): string | null };

const scratch = mkdtempSync(join(tmpdir(), "butler-web-token-"));
const repo = join(scratch, "demo");
const shots = process.env.BUTLER_WEB_SCREENSHOTS;
let browser: Browser;

/** `butler serve`'s server for the demo repository, readable by the group `survey` only. */
function serve(auth: Record<string, unknown>): Promise<Serving> {
  const config = parseServerConfig(
    {
      repositories: { demo: { uri: repo, read_groups: ["survey"] } },
      auth,
      access_log: "off",
    },
    { baseDir: scratch, env: withSigningKey({}) },
  );
  return startServing(config);
}

before(async () => {
  await makeDemoRepo(repo, { visits: 2, detectors: 1, size: [64, 48] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (err) => {
    throw err;
  });
  return page;
}

/** Every form control on the page has a label (its own <label>, or aria-label), or is a button with text. */
function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea, button")]
      .filter(
        (el) =>
          !el.hidden &&
          (el.labels?.length ?? 0) === 0 &&
          !el.getAttribute("aria-label") &&
          (el.tagName !== "BUTTON" || el.textContent?.trim() === ""),
      )
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

describe("the page under --auth tokens", () => {
  let serving: Serving;
  let context: BrowserContext;
  let page: Page;
  let reader = "";
  let outsider = "";

  before(async () => {
    serving = await serve({ mode: "tokens" });
    const tokens = serving.repositories[0]!.butler.registry.tokens;
    reader = (await tokens.create({ user: "rita", groups: ["survey"] })).token;
    outsider = (await tokens.create({ user: "otto", groups: ["other"] })).token;
    context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    page = await newPage(context);
  });
  after(async () => {
    await context?.close();
    await serving?.close();
  });

  async function giveToken(token: string): Promise<void> {
    await page.fill("#token-input", token);
    await page.keyboard.press("Enter");
  }

  test("the page asks for a token, says where tokens come from, and refuses a bad one with the reason", async () => {
    await page.goto(`${serving.origin}/#/repo/demo`);
    await page.waitForSelector("#token-input");
    assert.match((await page.textContent("main h1"))!, /A token is needed for demo/);
    assert.match((await page.textContent("#token-help"))!, /butler token create demo --user U/);
    assert.equal(await page.$("main pre.error"), null);
    assert.doesNotMatch((await page.textContent("main"))!, /\bnull\b|undefined/);
    assert.equal(await page.getAttribute("#token-input", "type"), "password");
    assert.equal(await page.evaluate(() => document.getElementById("token-input")?.labels?.length), 1);
    assert.deepEqual(await unlabelledControls(page), []);
    if (shots !== undefined) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({
        path: join(shots, "token.png"),
        clip: { x: 0, y: 0, width: 1200, height: 220 },
      });
    }
    // The field has the focus, so a keyboard user types straight into it.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "token-input");

    await giveToken("not-a-token");
    await page.waitForSelector("pre.error[role=alert]");
    assert.match(
      (await page.textContent("pre.error"))!,
      /refused the token: the bearer token is not a butler token/,
    );
    assert.equal(await page.evaluate(() => sessionStorage.getItem("butler.token.demo")), null);
    assert.equal(await page.inputValue("#token-input"), "");
  });

  test("a user whose groups may not read is told so, and may give another token", async () => {
    await giveToken(outsider);
    await page.waitForSelector("#other-token");
    assert.match((await page.textContent("main h1"))!, /Not allowed to read demo/);
    assert.match((await page.textContent("main"))!, /your groups may not read the repository demo/);
    assert.match((await page.textContent("pre.error"))!, /user 'otto' may not read repository 'demo'/);
    await page.click("#other-token");
    await page.waitForSelector("#token-input");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("butler.token.demo")), null);
  });

  test("with a reader's token the page lists, searches and downloads, the token in sessionStorage", async () => {
    await giveToken(reader);
    await page.waitForSelector(".tree");
    assert.match((await page.textContent(".tree"))!, /DemoCam\/defaults/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("butler.token.demo")), reader);
    assert.equal(await page.isVisible("#forget-token"), true);

    const where = "detector = 0";
    const hash = `#/search/demo?datasetType=calexp&collections=${encodeURIComponent(DEMO_CHAIN)}&where=${encodeURIComponent(where)}`;
    await page.goto(`${serving.origin}/${hash}`);
    await page.waitForSelector("table[aria-label='Datasets found'] tbody tr");
    const rows = await page.$$eval("table[aria-label='Datasets found'] tbody tr", (trs) => trs.length);
    assert.equal(rows, 2);

    const downloaded = page.waitForEvent("download");
    await page.click("a:text-is('CSV')");
    const download = await downloaded;
    assert.equal(download.suggestedFilename(), "calexp.csv");
    const csv = readFileSync((await download.path())!, "utf8")
      .trimEnd()
      .split("\n");
    assert.equal(csv.length, rows + 1);
    assert.match(csv[0]!, /^id,run,instrument,detector/);
  });

  test("with the token the header, the preview and a cutout load", async () => {
    await Promise.all([
      page.waitForSelector("#header-table"),
      page.click("table[aria-label='Datasets found'] tbody a"),
    ]);
    const id = /#\/dataset\/demo\/([^/?]+)/.exec(page.url())![1]!;
    await page.fill("#header-filter", "skylev");
    assert.equal(await page.locator("#header-table tbody tr:not([hidden])").count(), 1);

    await page.click("#view-image");
    await page.waitForFunction(() => document.getElementById("preview")?.dataset.loaded !== undefined);
    assert.equal(await page.$eval("#preview", (el) => (el as unknown as PageElement).naturalWidth), 64);
    assert.deepEqual(await unlabelledControls(page), []);

    await page.focus("#viewport");
    await page.keyboard.press("b");
    const box = (await page.locator("#preview").boundingBox())!;
    const downloaded = page.waitForEvent("download");
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 4 });
    await page.mouse.up();
    const download = await downloaded;
    const bbox = await page.$eval("#box-status", (el) => (el as unknown as PageElement).dataset.bbox!);
    assert.match(
      download.suggestedFilename(),
      new RegExp(`^calexp_${id}_${bbox.replaceAll(",", "_")}\\.fits$`),
    );
    const expected = await fetch(`${serving.origin}/web/api/demo/dataset/${id}/cutout.fits?bbox=${bbox}`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    assert.equal(expected.status, 200);
    assert.ok(Buffer.from(await expected.arrayBuffer()).equals(readFileSync((await download.path())!)));
  });

  test("forgetting the token asks for one again", async () => {
    await page.click("#forget-token");
    await page.waitForSelector("#token-input");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("butler.token.demo")), null);
    assert.equal(await page.isVisible("#forget-token"), false);
  });
});

describe("the page behind an authenticating proxy", () => {
  let serving: Serving;
  let context: BrowserContext;

  before(async () => {
    serving = await serve({ mode: "proxy", trusted_proxies: ["127.0.0.1", "::1"] });
  });
  after(async () => {
    await context?.close();
    await serving?.close();
  });

  test("the proxy's headers let a reader in without a token", async () => {
    // The browser's requests carry what the proxy would add.
    context = await browser.newContext({
      extraHTTPHeaders: { "x-auth-request-user": "pat", "x-auth-request-groups": "survey" },
    });
    const page = await newPage(context);
    await page.goto(`${serving.origin}/#/repo/demo`);
    await page.waitForSelector(".tree");
    assert.equal(await page.$("#token-input"), null);
    assert.equal(await page.isVisible("#forget-token"), false);
  });
});
