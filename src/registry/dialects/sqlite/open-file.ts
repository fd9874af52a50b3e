/**
 * Opens a registry's SQLite file.
 * - Opening an existing registry never creates a file: a missing one is a RegistryNotFoundError.
 * - A writer that cannot write the file or its directory gets a RegistryNotWriteableError at once.
 * - A read-only open uses a read-only connection, so a repository on read-only media or without write
 *   permission can be queried. A WAL-mode database there needs its `-shm` and `-wal` files; when
 *   they are missing and cannot be made (a read-only directory), the database is copied to a private
 *   temporary directory and read there, with a warning: SQLite's `immutable` open needs URI filenames,
 *   which the driver does not enable.
 */
import { accessSync, copyFileSync, existsSync, constants as fsConstants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { RegistryNotFoundError, RegistryNotWriteableError } from "../../../errors/index.ts";
import { getLogger } from "../../../log.ts";
import type { BetterSqliteDatabase } from "./sqlite-connection.ts";

const log = getLogger("registry.sqlite");

export interface OpenSqliteFileOptions {
  readonly readOnly?: boolean;
  /** A missing file is a RegistryNotFoundError instead of a new, empty database. */
  readonly mustExist?: boolean;
}

export interface OpenedSqliteFile {
  database: BetterSqliteDatabase;
  /** Removes what the open made (the private copy of a read-only WAL database). */
  cleanup?: () => void;
}

function code(err: unknown): string {
  return String((err as { code?: unknown } | undefined)?.code ?? "");
}

/** Errors of a read-only connection that cannot make a WAL database's shared-memory file. */
function cannotShareWal(err: unknown): boolean {
  const c = code(err);
  return c === "SQLITE_READONLY_DIRECTORY" || c === "SQLITE_CANTOPEN" || c.startsWith("SQLITE_READONLY");
}

/**
 * A writer needs the database file and its directory (for the journal files) writeable: on a read-only
 * mount or without permission, say so before the driver fails on its first write with its own code.
 */
function checkWriteable(path: string): void {
  for (const target of existsSync(path) ? [path, dirname(resolve(path))] : [dirname(resolve(path))]) {
    try {
      accessSync(target, fsConstants.W_OK);
    } catch (err) {
      // Anything but a refusal (a missing directory) is the driver's to report.
      if (!["EACCES", "EPERM", "EROFS"].includes(code(err))) continue;
      const reason =
        code(err) === "EROFS" ? "a read-only file system" : `${code(err) || "no permission"} on ${target}`;
      throw new RegistryNotWriteableError(path, reason);
    }
  }
}

export async function openSqliteFile(
  path: string,
  options: OpenSqliteFileOptions,
): Promise<OpenedSqliteFile> {
  const { default: Database } = await import("better-sqlite3");
  const memory = path === ":memory:" || path === "";
  const mustExist = (options.mustExist ?? false) || (options.readOnly ?? false);
  if (!memory && mustExist && !existsSync(path)) throw new RegistryNotFoundError(path);
  if (!memory && !options.readOnly) checkWriteable(path);
  if (memory || !options.readOnly) {
    return { database: new Database(path, { fileMustExist: !memory && mustExist }) as BetterSqliteDatabase };
  }
  const database = new Database(path, { readonly: true, fileMustExist: true }) as BetterSqliteDatabase;
  try {
    // The first read is where a WAL database looks for its shared-memory file.
    database.prepare("SELECT count(*) FROM sqlite_master").all();
    return { database };
  } catch (err) {
    database.close();
    if (!cannotShareWal(err)) throw err;
  }
  const dir = mkdtempSync(join(tmpdir(), "butler-readonly-"));
  const copy = join(dir, basename(path));
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  log.warning(
    `${path} is a WAL database in a directory this process cannot write; reading a private copy of it`,
  );
  const opened = new Database(copy, { readonly: true, fileMustExist: true }) as BetterSqliteDatabase;
  return { database: opened, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
