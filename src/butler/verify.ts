/**
 * `verifyRepository`: checks a repository's datastore against its records (see
 * `datastore/verify.ts`), leaving out the repository's own files when they sit inside the datastore
 * root (its config file, and the registry's database files for a file engine).
 */
import { type VerifyOptions, type VerifyReport, verifyDatastore } from "../datastore/verify.ts";
import type { Butler } from "./butler.ts";

export type { VerifyOptions, VerifyReport };

export async function verifyRepository(butler: Butler, options: VerifyOptions = {}): Promise<VerifyReport> {
  if (options.fix) butler.checkWriteable("verify --fix");
  const root = butler.datastore.root;
  const own = new Set<string>();
  for (const file of [butler.config.file, ...(butler.registry.internals.database.dialect.files ?? [])]) {
    const rel = root.relativePath(file);
    if (rel !== undefined) own.add(rel);
  }
  const ignore = options.ignore;
  return verifyDatastore(butler.datastore, {
    ...options,
    ignore: (path) => own.has(path) || (ignore?.(path) ?? false),
  });
}
