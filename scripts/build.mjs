#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm ci` builds): compiles src/ to dist/ with tsc (JavaScript,
 * declarations, source maps) and copies the YAML configs the code reads at run time. When nothing under
 * src/ or the build's config is newer than the last build's stamp the compile is skipped, so an install
 * on an up-to-date tree costs nothing; `--force` always compiles.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const src = join(root, "src");
const dist = join(root, "dist");
const stamp = join(dist, ".build-stamp");
const ASSETS = [".yaml"];

/** Every file and directory under `dir` (a directory's mtime changes when an entry is added or removed). */
function* walk(dir) {
  yield dir;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function isFresh() {
  const built = mtime(stamp);
  if (built === undefined) return false;
  const inputs = [
    ...walk(src),
    ...["package.json", "tsconfig.json", "tsconfig.build.json"].map((f) => join(root, f)),
  ];
  return inputs.every((path) => (mtime(path) ?? Number.POSITIVE_INFINITY) <= built);
}

if (!process.argv.includes("--force") && isFresh()) {
  process.stdout.write("dist/ is up to date\n");
  process.exit(0);
}

// Stamped with the start time, so a file saved while tsc runs makes the next build compile again.
const started = new Date();
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);

for (const path of walk(src)) {
  if (!ASSETS.some((ext) => path.endsWith(ext))) continue;
  const target = join(dist, relative(src, path));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(path, target);
}
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
process.stdout.write("built dist/\n");
