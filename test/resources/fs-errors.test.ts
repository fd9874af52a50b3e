/** Local file system failures a user can act on are typed: a full disk, a directory given for a file. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { EXIT_STATUS, exitStatusOf } from "../../src/cli/errors.ts";
import { InvalidArgumentError, isButlerError, StorageFullError } from "../../src/errors/index.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { fileSystemError } from "../../src/resources/fs-errors.ts";

const dir = mkdtempSync(join(tmpdir(), "butler-fs-errors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a full disk (ENOSPC from /dev/full) is STORAGE_FULL with its own exit status", () => {
  let raw: unknown;
  try {
    writeFileSync("/dev/full", "x");
  } catch (err) {
    raw = err;
  }
  assert.equal((raw as NodeJS.ErrnoException).code, "ENOSPC");
  const typed = fileSystemError("/data/repo/file.fits", raw);
  assert.ok(typed instanceof StorageFullError);
  assert.ok(isButlerError(typed, "STORAGE_FULL"));
  assert.match(typed.message, /no space left to write \/data\/repo\/file.fits/);
  assert.equal(exitStatusOf(typed), EXIT_STATUS.STORAGE_FULL);
  assert.equal(typed.cause, raw);
});

test("a directory read as a file is an INVALID_ARGUMENT naming it", async () => {
  const path = join(dir, "a-directory");
  await resourcePath(`${path}/`).mkdir();
  await assert.rejects(resourcePath(path).read(), (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.match(err.message, /a-directory is a directory; accepted: a file/);
    return true;
  });
  await assert.rejects(
    resourcePath(join(dir, "copy.bin")).transferFrom(resourcePath(path), { mode: "copy" }),
    InvalidArgumentError,
  );
});
