/**
 * One database transaction shared by the registry and the datastore, plus the file work that must
 * follow its outcome. A put writes its file under a temporary name first, then, inside the transaction,
 * inserts its record (the caller inserts the registry rows on the same transaction) and registers the
 * file; `commitFiles()`, the last step before COMMIT, moves the files into place. If anything fails,
 * including COMMIT itself, `rollbackFiles()` removes the temporary files, the files already moved and
 * the directories made for them: there is never a row without its file, nor a file without its row.
 *
 * `runInTransaction` does all of it. A caller that owns the transaction (the registry's) makes
 * `new DatastoreTransaction(trx)`, passes it to `put`/`ingest`/`remove`, calls `commitFiles()` as the
 * last statement inside the transaction, `rollbackFiles()` if the transaction (or its commit) fails,
 * and `committed()` after it commits.
 */
import { DatasetAlreadyExistsError } from "../errors/index.ts";
import type { DatastoreRoot } from "./location.ts";
import type { AnyDatabase } from "./records.ts";

/** A file written under a temporary name, to be moved to `path` at commit. */
export interface PendingFile {
  root: DatastoreRoot;
  temp: string;
  /** The record path it moves to. */
  path: string;
  /** Directories made for it (outermost first), removed again on rollback when empty. */
  createdDirs: readonly string[];
  /** The dataset it stores, for the error when something else is already at `path`. */
  datasetId?: string;
}

type State = "open" | "filesCommitted" | "committed" | "rolledBack";

export class DatastoreTransaction {
  /** The database transaction: pass it to every registry and record-store call of the unit of work. */
  readonly db: AnyDatabase;
  readonly #pending: PendingFile[] = [];
  readonly #moved: PendingFile[] = [];
  readonly #afterCommit: (() => Promise<void>)[] = [];
  readonly #beforeCommit: (() => Promise<void>)[] = [];
  #state: State = "open";

  constructor(db: AnyDatabase) {
    this.db = db;
  }

  get state(): State {
    return this.#state;
  }

  /** Registers a temporary file to move into place at commit. */
  addFile(file: PendingFile): void {
    this.#checkOpen();
    this.#pending.push(file);
  }

  /**
   * Registers database work to do last inside the transaction, before the files move (rows gathered
   * over the unit of work and written at once).
   */
  beforeCommit(action: () => Promise<void>): void {
    this.#checkOpen();
    this.#beforeCommit.push(action);
  }

  /** Registers work to do once the transaction has committed (deleting trashed files, move-ingest sources). */
  afterCommit(action: () => Promise<void>): void {
    this.#checkOpen();
    this.#afterCommit.push(action);
  }

  /**
   * Moves every pending file into place. Call it last inside the transaction: if a move fails, the
   * files moved so far are removed again and the error is thrown, so the transaction rolls back.
   */
  async commitFiles(): Promise<void> {
    this.#checkOpen();
    try {
      for (const action of this.#beforeCommit.splice(0)) await action();
      while (this.#pending.length > 0) {
        const file = this.#pending[0]!;
        await file.root.moveIntoPlace(file.temp, file.path);
        this.#pending.shift();
        this.#moved.push(file);
      }
    } catch (err) {
      const file = this.#pending[0];
      await this.rollbackFiles();
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && file !== undefined) {
        throw new DatasetAlreadyExistsError(
          file.datasetId ?? "(unknown)",
          file.path,
          "another file was put there first (in this transaction, or concurrently)",
        );
      }
      throw err;
    }
    this.#state = "filesCommitted";
  }

  /**
   * Undoes the file side after a rollback or a failed commit: temporary files, files moved into place
   * and the directories made for them. Idempotent; cleanup failures are swallowed (the original error
   * is what the caller needs to see).
   */
  async rollbackFiles(): Promise<void> {
    if (this.#state === "committed") return;
    this.#state = "rolledBack";
    const moved = this.#moved.splice(0).reverse();
    const pending = this.#pending.splice(0).reverse();
    // A moved file is ours: moveIntoPlace never replaces an existing one.
    for (const file of moved) await file.root.remove(file.path).catch(() => false);
    for (const file of [...moved, ...pending]) await file.root.remove(file.temp).catch(() => false);
    for (const file of [...moved, ...pending]) await file.root.removeEmptyDirectories(file.createdDirs);
    this.#afterCommit.length = 0;
    this.#beforeCommit.length = 0;
  }

  /** Runs the after-commit work. Call once the transaction has committed. */
  async committed(): Promise<void> {
    if (this.#state !== "filesCommitted" && this.#state !== "open") return;
    if (this.#pending.length > 0) {
      throw new Error("DatastoreTransaction: committed() before commitFiles(); files would be lost");
    }
    this.#state = "committed";
    const actions = this.#afterCommit.splice(0);
    for (const action of actions) await action();
  }

  #checkOpen(): void {
    if (this.#state !== "open") {
      throw new Error(`DatastoreTransaction is ${this.#state}; start a new one`);
    }
  }
}

/**
 * Runs `fn` in one transaction opened by `begin` (e.g. `(f) => db.transaction().execute(f)`), then
 * moves the files into place before COMMIT, undoes them if anything fails, and runs the after-commit
 * work once committed.
 */
export async function runInTransaction<T>(
  begin: <R>(fn: (trx: AnyDatabase) => Promise<R>) => Promise<R>,
  fn: (txn: DatastoreTransaction) => Promise<T>,
): Promise<T> {
  let txn: DatastoreTransaction | undefined;
  let result: T;
  try {
    result = await begin(async (trx) => {
      txn = new DatastoreTransaction(trx);
      const value = await fn(txn);
      await txn.commitFiles();
      return value;
    });
  } catch (err) {
    await txn?.rollbackFiles();
    throw err;
  }
  await txn!.committed();
  return result;
}
