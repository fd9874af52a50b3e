/**
 * Local file system failures that a user can act on, as typed errors: a full disk or quota, and a
 * directory given where a file is needed. Other errors pass through unchanged.
 */
import { InvalidArgumentError, StorageFullError } from "../errors/index.ts";

/** The typed error for a file system failure on `path`, or `err` itself. */
export function fileSystemError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return new StorageFullError(path, { cause: err });
  if (code === "EISDIR") return new InvalidArgumentError(`${path} is a directory; accepted: a file`);
  return err;
}
