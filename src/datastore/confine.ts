/**
 * Keeps file writes and removals inside a directory. A path can be inside the directory as text and
 * still lead out of it through a symbolic link to a directory, so the check is made on the real path
 * of the directory that holds the entry (or of its nearest existing ancestor, for directories a write
 * is about to make). The entry itself is not followed: a symbolic link stored in a datastore (an
 * ingest by symlink) is removed, never what it points at.
 */
import { realpath } from "node:fs/promises";
import { basename, dirname, relative, resolve, sep } from "node:path";
import { PathEscapeError } from "../errors/index.ts";

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** True when `path` is `root` or below it (as text, both absolute). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep));
}

/** The real path of `path`, or of its nearest existing ancestor followed by the missing rest. */
async function realPathOf(path: string): Promise<string> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      return resolve(await realpath(p), ...missing.reverse());
    } catch (err) {
      if ((errno(err) !== "ENOENT" && errno(err) !== "ENOTDIR") || p === dirname(p)) throw err;
      missing.push(basename(p));
    }
  }
}

/** Whether the directory holding `target` resolves inside `root`; the resolved directory too. */
export async function entryWithin(
  root: string,
  target: string,
): Promise<{ inside: boolean; resolved: string }> {
  const [realRoot, parent] = await Promise.all([realPathOf(root), realPathOf(dirname(resolve(target)))]);
  return { inside: isWithin(realRoot, parent), resolved: parent };
}

/**
 * Throws a PathEscapeError unless the directory holding `target` (the entry a write creates or a
 * removal deletes) resolves inside `root`.
 */
export async function confineEntry(root: string, target: string): Promise<void> {
  const { inside, resolved } = await entryWithin(root, target);
  if (!inside) throw new PathEscapeError(target, root, resolved);
}
