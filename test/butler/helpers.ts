/**
 * Shared set-up for the butler tests: repositories made by Butler.create in a temporary directory,
 * HSC dimension records from daf_butler's ci_hsc export (read in place from the peer data), a `calexp`
 * dataset type, and the real calexp fixture (read in place, cut out so that xy0 is not (0, 0)).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { Butler, type ButlerOpenOptions } from "../../src/butler/index.ts";
import { DatasetType } from "../../src/core/index.ts";
import { type ImportTarget, importExport, parseExport } from "../../src/registry/interchange/index.ts";
import { CALEXP_FIXTURE, calexpExposure, tree } from "../support/files.ts";
import { PEER_DATA } from "../support/fixtures.ts";

export { CALEXP_FIXTURE, calexpExposure, tree };

export const RUN = "HSC/runs/test";
export const DATA_ID = { instrument: "HSC", visit: 903334, detector: 16 } as const;

const scratch = mkdtempSync(join(tmpdir(), "butler-facade-"));
const opened: Butler[] = [];
after(async () => {
  for (const butler of opened.splice(0)) await butler.close();
  rmSync(scratch, { recursive: true, force: true });
});
let counter = 0;

/** A fresh directory under this test file's scratch area. */
export function freshDir(name = "dir"): string {
  const dir = join(scratch, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Opens a butler that is closed after the test file. */
export async function open(repo: string, options: ButlerOpenOptions = {}): Promise<Butler> {
  const butler = await Butler.open(repo, options);
  opened.push(butler);
  return butler;
}

/** Inserts the dimension records of daf_butler's ci_hsc export (HSC visits 903334…, detectors 0…100). */
export async function loadHscDimensions(butler: Butler): Promise<void> {
  const doc = parseExport(readFileSync(join(PEER_DATA, "ci_hsc-subset.yaml"), "utf8"));
  await importExport(butler.registry as unknown as ImportTarget, {
    ...doc,
    items: doc.items.filter((item) => item.kind === "dimension"),
  });
}

export function calexpType(butler: Butler, name = "calexp"): DatasetType {
  return DatasetType.fromNames(
    name,
    ["instrument", "visit", "detector"],
    "ExposureF",
    butler.registry.universe,
  );
}

/**
 * A new repository with HSC dimension records and the `calexp` dataset type, opened writeable on RUN
 * (or as `options` say).
 */
export async function makeRepo(
  options: ButlerOpenOptions = { run: RUN },
): Promise<{ repo: string; butler: Butler }> {
  const repo = freshDir("repo");
  await makeHscRepo(repo);
  return { repo, butler: await open(repo, options) };
}

/**
 * Makes a repository in `repo` with HSC dimension records, the `calexp` dataset type and the RUN
 * collection; its registry at `db` when given.
 */
export async function makeHscRepo(repo: string, db?: string): Promise<void> {
  await Butler.create(repo, db === undefined ? {} : { db });
  const setup = await Butler.open(repo, { run: RUN });
  try {
    await loadHscDimensions(setup);
    await setup.registry.registerDatasetType(calexpType(setup));
  } finally {
    await setup.close();
  }
}

/** The files of a datastore root (the registry database and config excluded). */
export function datastoreFiles(repo: string): string[] {
  return tree(repo).filter((p) => !p.endsWith("/") && !/^(gen3\.sqlite3.*|butler\.yaml)$/.test(p));
}
