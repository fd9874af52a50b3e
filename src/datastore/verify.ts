/**
 * Checks a datastore against its records, and repairs what is safe to repair.
 *
 * Found: records whose file is missing or has another size (or, when asked, another checksum); files
 * under the root without a record (orphans: the file of a write killed between moving it into place
 * and COMMIT, or one put there by hand); temporaries of dead writes, and a server's uploads never
 * committed (stale once the expiry in their name has passed); trashed records whose files a killed
 * removal did not delete.
 *
 * Repaired with `fix`: the trash is emptied (as a removal would have done: a file still used by a live
 * record is kept), and orphans and temporaries older than the grace period are deleted. A younger one
 * may belong to a write in progress, so it is only reported. Nothing that has a record is ever deleted
 * (each orphan is looked up again just before it goes), and a record whose file is missing is only
 * reported: it says a dataset was lost, which only its owner can settle.
 */
import type { FileDatastore } from "./file-datastore.ts";
import { TEMPORARY_NAME, UPLOAD_DIR, uploadExpiryMs } from "./location.ts";
import type { StoredFileRecord } from "./records.ts";

export interface VerifyOptions {
  /** Compare the sha256 of every file whose record has one (reads those files whole). */
  checksums?: boolean;
  /** Repair what is safe (see the module comment). */
  fix?: boolean;
  /** Files under the root that are not datasets (a repository's config and database). */
  ignore?: (path: string) => boolean;
  /** Age in ms from which a temporary or orphan counts as left behind (the datastore's grace period). */
  gracePeriodMs?: number;
}

/** A record whose file is not as it says. */
export interface RecordProblem {
  datasetId: string;
  path: string;
  detail: string;
}

/** A file under the root that no record explains. */
export interface FileProblem {
  path: string;
  size?: number;
  /** Age in ms, when the store gives modification times. */
  ageMs?: number;
  /** Older than the grace period: left by a write that died, or put there by hand. */
  stale: boolean;
  /** Deleted by this run (`fix`). */
  fixed: boolean;
}

export interface TrashProblem {
  datasetId: string;
  path: string;
  /** Settled by this run (`fix`): the file deleted, found gone, or kept for a live record. */
  fixed: boolean;
}

export interface VerifyReport {
  /** Records checked. */
  records: number;
  /** Files listed under the root (undefined when the root cannot be listed). */
  files: number | undefined;
  missing: RecordProblem[];
  wrongSize: RecordProblem[];
  wrongChecksum: RecordProblem[];
  orphans: FileProblem[];
  temporaries: FileProblem[];
  trash: TrashProblem[];
}

/**
 * True when nothing is left to report: no lost or altered file, no trash left, and no stale litter left
 * unfixed (a file younger than the grace period may be a write in progress).
 */
export function isClean(report: VerifyReport): boolean {
  return (
    report.missing.length === 0 &&
    report.wrongSize.length === 0 &&
    report.wrongChecksum.length === 0 &&
    report.orphans.every((p) => p.fixed || !p.stale) &&
    report.temporaries.every((p) => p.fixed || !p.stale) &&
    report.trash.every((p) => p.fixed)
  );
}

const PAGE = 1000;
const PARALLEL = 16;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export async function verifyDatastore(
  datastore: FileDatastore,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const report: VerifyReport = {
    records: 0,
    files: undefined,
    missing: [],
    wrongSize: [],
    wrongChecksum: [],
    orphans: [],
    temporaries: [],
    trash: [],
  };
  const root = datastore.root;
  const grace = options.gracePeriodMs ?? datastore.tempGracePeriodMs;
  const ignore = options.ignore ?? (() => false);

  // The trash first: emptying it settles files that would otherwise look like orphans.
  const trashed = await datastore.records.listTrash();
  const settled = new Set<string>();
  if (options.fix && trashed.length > 0) {
    const emptied = await datastore.emptyTrash();
    for (const path of [...emptied.removed, ...emptied.missing, ...emptied.kept]) settled.add(path);
  }
  const remaining = new Set((options.fix ? await datastore.records.listTrash() : trashed).map((r) => r.path));
  for (const record of trashed) {
    report.trash.push({
      datasetId: record.datasetId,
      path: record.path,
      fixed: settled.has(record.path) && !remaining.has(record.path),
    });
  }

  // Every record has its file, of its size (and checksum).
  let after: StoredFileRecord | null = null;
  for (;;) {
    const page: StoredFileRecord[] = await datastore.records.list(after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!;
    report.records += page.length;
    await inBatches(page, PARALLEL, async (record) => {
      const size = await root.size(record.path);
      const problem = { datasetId: record.datasetId, path: record.path };
      if (size === undefined) {
        report.missing.push({ ...problem, detail: "the file does not exist" });
        return;
      }
      if (record.fileSize >= 0 && size !== record.fileSize) {
        report.wrongSize.push({ ...problem, detail: `${size} bytes, the record says ${record.fileSize}` });
        return;
      }
      if (options.checksums && record.checksum !== null) {
        const checksum = await root.checksum(record.path);
        if (checksum !== record.checksum) {
          report.wrongChecksum.push({
            ...problem,
            detail: `${checksum}, the record says ${record.checksum}`,
          });
        }
      }
    });
  }

  // Every file under the root has its record.
  if (root.list === undefined) return report;
  report.files = 0;
  const now = Date.now();
  const trashPaths = new Set(remaining);
  let batch: FileProblem[] = [];
  const flush = async () => {
    const known = new Set((await datastore.records.findByPaths(batch.map((f) => f.path))).map((r) => r.path));
    for (const file of batch)
      if (!known.has(file.path) && !trashPaths.has(file.path)) report.orphans.push(file);
    batch = [];
  };
  for await (const entry of root.list()) {
    if (ignore(entry.path)) continue;
    report.files++;
    const ageMs = entry.modifiedMs === undefined ? undefined : Math.max(0, now - entry.modifiedMs);
    const file: FileProblem = {
      path: entry.path,
      ...(entry.size === undefined ? {} : { size: entry.size }),
      ...(ageMs === undefined ? {} : { ageMs }),
      stale: ageMs !== undefined && ageMs >= grace,
      fixed: false,
    };
    const uploadExpiry = entry.path.startsWith(`${UPLOAD_DIR}/`)
      ? uploadExpiryMs(baseName(entry.path))
      : undefined;
    if (uploadExpiry !== undefined) report.temporaries.push({ ...file, stale: uploadExpiry < now });
    else if (TEMPORARY_NAME.test(baseName(entry.path))) report.temporaries.push(file);
    else {
      batch.push(file);
      if (batch.length >= PAGE) await flush();
    }
  }
  if (batch.length > 0) await flush();

  if (options.fix) {
    const remove = async (file: FileProblem) => {
      try {
        await root.remove(file.path);
        file.fixed = true;
      } catch {
        // Reported as not fixed; the next run tries again.
      }
    };
    for (const file of report.temporaries) if (file.stale) await remove(file);
    const orphans: FileProblem[] = [];
    for (const file of report.orphans) {
      // A record may have come since the listing (a write committed): then it is no orphan.
      if (file.stale && (await datastore.records.findByPaths([file.path])).length > 0) continue;
      orphans.push(file);
      if (file.stale) await remove(file);
    }
    report.orphans = orphans;
  }
  return report;
}
