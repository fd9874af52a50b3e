/** A benchmark missing its baseline's Debian packages stops with one line naming them. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { program, pythonModule } from "../../bench/requirements.ts";

test("requirements are checked as they are found on this machine", () => {
  assert.equal(program("/bin/sh", "dash").present(), true);
  assert.equal(program("/nonexistent/tool", "none").present(), false);
  assert.equal(pythonModule("json", "python3").present(), true);
  assert.equal(pythonModule("no_such_module_here", "python3-nothing").present(), false);
});

test("a missing package is one line naming what to install, and status 1", () => {
  const script = `
    import { program, requireDebianPackages } from ${JSON.stringify(join(import.meta.dirname, "../../bench/requirements.ts"))};
    requireDebianPackages("bench:example", [program("/bin/sh", "dash"), program("/nonexistent/a", "pkg-a"), program("/nonexistent/b", "pkg-a"), program("/nonexistent/c", "pkg-c")]);
    console.log("ran");`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, "");
  assert.equal(
    run.stderr,
    "bench:example: its baseline needs Debian packages that are not installed: pkg-a pkg-c; install them with: apt-get install -y pkg-a pkg-c\n",
  );
});
