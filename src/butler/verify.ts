/**
 * `verifyRepository`: checks a repository's datastore against its records (see
 * `datastore/verify.ts`), leaving out the repository's own files when they sit inside the datastore
 * root (its config file and a SQLite registry with its journal files).
 */
import { isAbsolute, resolve } from "node:path";
import { type VerifyOptions, type VerifyReport, verifyDatastore } from "../datastore/verify.ts";
import type { Butler } from "./butler.ts";

export type { VerifyOptions, VerifyReport };

export async function verifyRepository(butler: Butler, options: VerifyOptions = {}): Promise<VerifyReport> {
  if (options.fix) butler.checkWriteable("verify --fix");
  const root = butler.datastore.root;
  const location = butler.registry.internals.database.dialect.location;
  const own = new Set<string>();
  const candidates = [butler.config.file];
  if (isAbsolute(location) || !/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    const db = resolve(butler.config.root, location);
    candidates.push(db, `${db}-wal`, `${db}-shm`, `${db}-journal`);
  }
  for (const file of candidates) {
    const rel = root.relativePath(file);
    if (rel !== undefined) own.add(rel);
  }
  const ignore = options.ignore;
  return verifyDatastore(butler.datastore, {
    ...options,
    ignore: (path) => own.has(path) || (ignore?.(path) ?? false),
  });
}
