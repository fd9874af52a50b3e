/**
 * The web page in a real browser (Debian's Chromium through playwright-core) against the server
 * `butler ui` runs, on a demo repository: search with a `where`, the language's own errors, a dataset's
 * summary and header, the preview and its stretches, RA/Dec under the pointer, a drawn box's cutout
 * (byte-equal to `butler get --bbox`), and the sky view down to a dataset. With
 * BUTLER_WEB_SCREENSHOTS=DIR set, each page is also saved as a PNG in DIR (docs/images for README).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { Butler } from "../../src/butler/index.ts";
import { localServerConfig, type Serving, startServing } from "../../src/cli/serving.ts";
import { DEMO_CHAIN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import type { SkyWcs } from "../../src/image/sky-wcs.ts";
import { launchChromium, previewInfo } from "../support/browser.ts";
import { cliCutout } from "../support/cli.ts";

/** What the functions run inside the page use of its globals (the project compiles without the DOM library). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly labels?: { length: number } | null;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly naturalWidth: number;
  readonly naturalHeight: number;
  getAttribute(name: string): string | null;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    drawImage(image: PageElement, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  createElement(tag: "canvas"): PageCanvas;
};

const scratch = mkdtempSync(join(tmpdir(), "butler-web-"));
const repo = join(scratch, "demo");
const shots = process.env.BUTLER_WEB_SCREENSHOTS;
let butler: Butler;
let ui: Serving;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  await makeDemoRepo(repo, { visits: 3, detectors: 2, size: [256, 192] });
  ui = await startServing(localServerConfig(repo, { name: "demo" }), { readOnly: true });
  butler = ui.repositories[0]!.butler;
  base = ui.origin;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  page.on("pageerror", (err) => {
    throw err;
  });
});

after(async () => {
  await browser?.close();
  await ui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Goes to a page of the app and waits until it has finished rendering. */
async function open(hash: string): Promise<void> {
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction((h) => document.getElementById("main")?.dataset.ready === h, hash);
}

async function screenshot(name: string, fullPage = false): Promise<void> {
  if (shots === undefined) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
}

/** Every form control on the page has a label (its own <label>, or aria-label). */
async function unlabelledControls(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea, button")]
      .filter((el) => {
        return (
          (el.labels?.length ?? 0) === 0 &&
          !el.getAttribute("aria-label") &&
          (el.tagName !== "BUTTON" || el.textContent?.trim() === "")
        );
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

async function search(where: string): Promise<void> {
  await open("#/search/demo");
  await page.selectOption("#f-type", "calexp");
  await page.fill("#f-collections", DEMO_CHAIN);
  await page.fill("#f-where", where);
  const ready = page.waitForFunction(
    () => document.getElementById("main")?.dataset.ready?.includes("where="),
    undefined,
  );
  await page.press("#f-where", "Tab");
  await page.keyboard.press("Enter");
  await ready;
}

async function firstCalexpId(): Promise<string> {
  const refs = await butler.registry.queryDatasets("calexp", {
    collections: [DEMO_CHAIN],
    findFirst: true,
    where: "detector = 1",
  });
  return refs[0]!.id;
}

describe("the web page", () => {
  test("the repository page lists the chain's children and the dataset types with counts", async () => {
    await open("#/repo/demo");
    const tree = await page.textContent(".tree");
    assert.match(
      tree!,
      /DemoCam\/defaults\s*CHAINED\s*DemoCam\/runs\/demo\s*RUN\s*DemoCam\/calib\s*CALIBRATION/,
    );
    const calexpRow = await page.textContent("tr:has(a:text-is('calexp'))");
    assert.match(calexpRow!, /ExposureF.*6$/s);
    assert.deepEqual(await unlabelledControls(), []);
    await screenshot("repository");
  });

  test("a search with a where, from the keyboard, lists the datasets with data ID columns", async () => {
    await search("band = 'r' OR detector = 0");
    const expected = await butler.registry.queryDatasets("calexp", {
      collections: [DEMO_CHAIN],
      findFirst: true,
      where: "band = 'r' OR detector = 0",
    });
    const rows = await page.$$eval("table[aria-label='Datasets found'] tbody tr", (trs) => trs.length);
    assert.equal(rows, expected.length);
    const headers = await page.$$eval("table[aria-label='Datasets found'] th", (ths) =>
      ths.map((t) => t.textContent),
    );
    assert.deepEqual(headers.slice(0, 4), ["Dataset", "Run", "instrument", "detector"]);
    assert.deepEqual(await unlabelledControls(), []);
    await screenshot("search");
    const csv = await (
      await fetch(
        `${base}/web/api/demo/search.csv?datasetType=calexp&collections=${encodeURIComponent(DEMO_CHAIN)}&where=${encodeURIComponent("band = 'r' OR detector = 0")}`,
      )
    ).text();
    assert.equal(csv.trim().split("\n").length, expected.length + 1);
  });

  test("a syntax error shows the caret under the fault; a misspelt name gets a suggestion", async () => {
    await search("band = 'r' AND AND detector = 1");
    const text = await page.textContent("pre.error[role=alert]");
    const lines = text!.split("\n");
    assert.match(lines[0]!, /Syntax error at or near 'AND' \(line 1, column 16\)/);
    assert.equal(lines[1], "band = 'r' AND AND detector = 1");
    assert.equal(lines[2]!.indexOf("^"), 15);
    await screenshot("search-error");
    await search("bnd = 'r'");
    assert.match((await page.textContent("pre.error"))!, /did you mean 'band'\?/);
    await search("band = 'z'");
    assert.match((await page.textContent(".explanation"))!, /excludes every result/);
  });

  test("a calexp's page summarises it and its header filters to one key", async () => {
    await search("detector = 1 AND band = 'g'");
    await Promise.all([
      page.waitForURL(/#\/dataset\//),
      page.click("table[aria-label='Datasets found'] tbody a"),
    ]);
    await page.waitForSelector("#header-table");
    const fields = await page.textContent("dl.fields");
    assert.match(fields!, /Storage classExposureF/);
    assert.match((await page.textContent("#wcs + dl"))!, /Pixel scale0\.2000 arcsec/);
    await page.fill("#header-filter", "skylev");
    const visible = await page.$$eval("#header-table tbody tr:not([hidden])", (trs) =>
      trs.map((t) => t.textContent),
    );
    assert.equal(visible.length, 1);
    assert.match(visible[0]!, /^SKYLEVEL/);
    await screenshot("dataset", true);
  });

  test("the preview renders, its pixels vary and follow the stretch; RA/Dec under the pointer match the WCS", async () => {
    const id = await firstCalexpId();
    await open(`#/image/demo/${id}`);
    const stats = () =>
      page.evaluate(() => {
        const img = document.getElementById("preview")!;
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext("2d")!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        let sumSq = 0;
        const n = data.length / 4;
        for (let i = 0; i < data.length; i += 4) {
          sum += data[i]!;
          sumSq += data[i]! * data[i]!;
        }
        const mean = sum / n;
        return { width: img.naturalWidth, mean, sd: Math.sqrt(sumSq / n - mean * mean) };
      });
    const asinh = await stats();
    assert.equal(asinh.width, 256);
    assert.ok(asinh.sd > 5, `the asinh preview varies (sd ${asinh.sd})`);
    await page.selectOption("#i-stretch", "zscale");
    await page.waitForFunction(() => document.getElementById("preview")!.dataset.stretch === "zscale");
    const zscale = await stats();
    assert.ok(zscale.sd > 5, `the zscale preview varies (sd ${zscale.sd})`);
    assert.ok(
      Math.abs(asinh.mean - zscale.mean) > 3,
      `the stretch changes the picture (${asinh.mean} vs ${zscale.mean})`,
    );
    await page.check("#mask-DETECTED");
    await page.waitForFunction(() => document.getElementById("preview")!.dataset.loaded !== undefined);

    const box = (await page.locator("#preview").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await page.mouse.move(box.x + box.width * 0.31, box.y + box.height * 0.6);
    await page.waitForFunction(() => document.getElementById("pointer-status")?.dataset.ra !== undefined);
    const at = await page.$eval("#pointer-status", (el) => ({ ...(el as unknown as PageElement).dataset }));
    const ref = (await butler.registry.getDataset(id))!;
    const exact = ((await butler.get(butler.componentRef(ref, "wcs"))) as SkyWcs).pixelToSky(
      Number(at.x),
      Number(at.y),
    );
    assert.ok(Math.abs(Number(at.ra) - exact.ra) < 1e-9 && Math.abs(Number(at.dec) - exact.dec) < 1e-9);
    // The pointer was 30% across and 60% down a north-up image of 256 × 192 pixels.
    assert.ok(Math.abs(Number(at.x) - 0.31 * 256) <= 2, `x ${at.x}`);
    assert.ok(Math.abs(Number(at.y) - 0.4 * 192) <= 2, `y ${at.y}`);
    assert.match((await page.textContent("#pointer-status"))!, /RA 150\.\d+°\s+Dec 2\.\d+°/);
    assert.deepEqual(await unlabelledControls(), []);
    await screenshot("image");
  });

  test("a magnified preview is overlaid with the visible region read at screen resolution", async () => {
    const id = await firstCalexpId();
    await open(`#/image/demo/${id}?size=64`);
    assert.equal(await page.$eval("#preview", (el) => (el as unknown as PageElement).naturalWidth), 64);
    await page.focus("#viewport");
    await page.keyboard.press("+");
    await page.waitForFunction(() => document.getElementById("detail")?.dataset.step === "1");
    const detail = await page.$eval("#detail", (el) => ({
      bbox: (el as unknown as PageElement).dataset.bbox!,
      width: (el as unknown as PageElement).naturalWidth,
      height: (el as unknown as PageElement).naturalHeight,
    }));
    const [x0, y0, x1, y1] = detail.bbox.split(",").map(Number) as [number, number, number, number];
    assert.deepEqual([detail.width, detail.height], [x1 - x0 + 1, y1 - y0 + 1]);
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= 255 && y1 <= 191, detail.bbox);
  });

  test("a preview smaller than the image reads every n-th row only; the header view reads only the header", async () => {
    const id = await firstCalexpId();
    const small = await fetch(`${base}/web/api/demo/dataset/${id}/preview.png?size=64&stretch=zscale`);
    assert.equal(small.status, 200);
    const info = previewInfo(small);
    assert.equal(info.step, 4);
    assert.ok(info.bytesRead < info.planeBytes / 3, `read ${info.bytesRead} of ${info.planeBytes} bytes`);
    const png = Buffer.from(await small.arrayBuffer());
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [64, 48]);
    const ref = (await butler.registry.getDataset(id))!;
    const header = await butler.datastore.get(ref, { component: "metadata" });
    assert.equal(header.metrics.requests, 1);
    assert.ok(header.metrics.bytesRead < header.record.fileSize / 10);
  });

  test("a box drawn on the image downloads the cutout butler get --bbox writes", async () => {
    const id = await firstCalexpId();
    await open(`#/image/demo/${id}`);
    await page.focus("#viewport");
    await page.keyboard.press("b");
    const box = (await page.locator("#preview").boundingBox())!;
    const downloaded = page.waitForEvent("download");
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    const download = await downloaded;
    const bytes = readFileSync((await download.path())!);
    const bbox = await page.$eval("#box-status", (el) => (el as unknown as PageElement).dataset.bbox!);
    const [x0, y0, x1, y1] = bbox.split(",").map(Number) as [number, number, number, number];
    assert.ok(x1 - x0 > 20 && y1 - y0 > 20, `a real box: ${bbox}`);
    const ref = (await butler.registry.getDataset(id))!;
    const out = join(scratch, "cutout.fits");
    const run = await cliCutout(repo, "calexp", DEMO_CHAIN, ref.dataId.requiredObject(), bbox, out);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      Buffer.from(bytes).equals(readFileSync(out)),
      "the page's cutout is byte-equal to butler get --bbox",
    );
  });

  test("the sky view draws the footprints and a detector leads to its dataset", async () => {
    await open(`#/sky/demo?datasetType=calexp&collections=${encodeURIComponent(DEMO_CHAIN)}`);
    const kinds = await page.$$eval("svg.sky [data-kind]", (els) =>
      els.map((e) => e.getAttribute("data-kind")),
    );
    assert.equal(kinds.filter((k) => k === "visit").length, 3);
    assert.equal(kinds.filter((k) => k === "detector").length, 6);
    assert.equal(kinds.filter((k) => k === "tract").length, 1);
    assert.equal(kinds.filter((k) => k === "patch").length, 9);
    const target = page.locator("svg.sky a[data-kind=detector]").first();
    const label = (await target.getAttribute("aria-label"))!;
    const [, visit, detector] = /visit (\d+) detector (\d+)/.exec(label)!;
    await target.focus();
    await Promise.all([page.waitForSelector("#header-table"), page.keyboard.press("Enter")]);
    const fields = (await page.textContent("dl.fields"))!;
    assert.match(fields, new RegExp(`detector=${detector}\\b`));
    assert.match(fields, new RegExp(`visit=${visit}\\b`));
    await open(`#/sky/demo?datasetType=calexp&collections=${encodeURIComponent(DEMO_CHAIN)}&frame=all`);
    assert.equal(await page.inputValue("#sky-frame"), "all");
    await screenshot("sky");
  });
});
