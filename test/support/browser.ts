/**
 * Debian's Chromium driven by playwright-core, for the web page's tests. Only the system browser is
 * used (`.ci/run` installs the `chromium` package); nothing is downloaded, and the switches keep it off
 * the network except for the page under test.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium; a missing browser is an error naming the package to install. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the web page tests need Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** What the preview route says of the picture it sent (its `x-preview` header). */
export interface PreviewInfo {
  x0: number;
  y0: number;
  width: number;
  height: number;
  step: number;
  bytesRead: number;
  planeBytes: number;
}

export function previewInfo(response: Response): PreviewInfo {
  const header = response.headers.get("x-preview");
  if (header === null) throw new Error(`${response.url} answered ${response.status} without x-preview`);
  return JSON.parse(header) as PreviewInfo;
}
