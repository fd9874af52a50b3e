/**
 * README's commands, run as written: the main job, then every line of "A first session" in order, in
 * one shell, and the TypeScript example against the repository they made. `npx butler` runs the CLI
 * from the sources (a shim on PATH), so no build or install is needed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, test } from "node:test";

const ROOT = resolve(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const BIN = join(ROOT, "test/butler-from-source.js");

/** The fenced blocks of a language, in order, after an optional heading. */
function blocks(language: string, after = ""): string[] {
  const start = after === "" ? 0 : README.indexOf(after);
  assert.ok(start >= 0, `README has a section '${after}'`);
  const fence = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g");
  return [...README.slice(start).matchAll(fence)].map((m) => m[1]!);
}

const scratch = mkdtempSync(join(tmpdir(), "butler-readme-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const shims = join(scratch, "bin");
mkdirSync(shims);
writeFileSync(
  join(shims, "npx"),
  `#!/bin/sh\n[ "$1" = butler ] || { echo "README test: unexpected npx $1" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${BIN}" "$@"\n`,
);
chmodSync(join(shims, "npx"), 0o755);

function shell(script: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("bash", ["-c", `set -euo pipefail\n${script}`], {
    cwd: scratch,
    encoding: "utf8",
    env: { ...process.env, PATH: `${shims}:${process.env.PATH}` },
    timeout: 600_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("README", () => {
  test("the main job, then the first session, run in order without a stumble", () => {
    const [setup] = blocks("sh");
    // The install step and the test command are the machine's set-up, not the session.
    const mainJob = setup!
      .split("\n")
      .filter((line) => line.trim() !== "" && !/^npm test\b/.test(line))
      .map((line) => line.replace(/^npm ci && /, ""))
      .join("\n");
    assert.match(mainJob, /npx butler demo demo-repo/);
    const job = shell(mainJob);
    assert.equal(job.status, 0, `main job failed:\n${job.stderr}`);

    const [session] = blocks("sh", "## A first session");
    const run = shell(session!);
    assert.equal(run.status, 0, `first session failed:\n${run.stdout.slice(-2000)}\n${run.stderr}`);
    assert.match(run.stdout, /DemoCam\/defaults/);
    assert.ok(existsSync(join(scratch, "cutout.fits")), "the session's cutout was written");
  });

  test("the TypeScript example runs against the demo repository", () => {
    const [example] = blocks("ts", "From TypeScript");
    const source = example!.replace(`from "butler-ts"`, `from ${JSON.stringify(join(ROOT, "src/index.ts"))}`);
    const file = join(scratch, "example.mts");
    writeFileSync(
      file,
      `${source}\nconsole.log(JSON.stringify({ keys: header.length, refs: refs.length, visitInfos: visitInfos.length }));\n`,
    );
    const result = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
      cwd: scratch,
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split("\n").pop()!);
    assert.ok(out.keys > 0 && out.refs > 0 && out.visitInfos === out.refs, result.stdout);
  });
});
