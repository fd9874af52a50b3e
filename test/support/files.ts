/** Shared by the datastore and butler tests: the cut-out calexp fixture and a listing of a directory. */
import { type Dirent, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { Box2I } from "../../src/image/box.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { fixturePath } from "./fixtures.ts";

export const CALEXP_FIXTURE = fixturePath("real/lsst-obs_base-calexp.fits");

let calexp: Promise<Exposure> | undefined;

/**
 * The calexp fixture as a cutout at PARENT (8, 4), 48x24, so that xy0 is not (0, 0) and PARENT and
 * LOCAL boxes differ.
 */
export function calexpExposure(): Promise<Exposure> {
  calexp ??= (async () => {
    const fits = await FitsFile.open(CALEXP_FIXTURE);
    try {
      return (await readExposure(fits)).subset(Box2I.fromXYWH(8, 4, 48, 24));
    } finally {
      await fits.close();
    }
  })();
  return calexp;
}

/** Every entry under `dir` (files and directories, hidden ones included), relative and sorted. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      out.push(relative(dir, full) + (e.isDirectory() ? "/" : ""));
      if (e.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}
