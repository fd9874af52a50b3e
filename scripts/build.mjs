#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm ci` builds):
 * 1. tsc compiles src/ to dist/: the library as modules, with declarations and source maps
 *    (`exports` points here);
 * 2. esbuild bundles the `butler` command from that output into dist/bin/ (`bin` points here): one
 *    chunk per subcommand plus shared chunks, with its pure-JavaScript dependencies inside. Node then
 *    loads a few files instead of ~500 modules, which halves the command's start-up. Native and heavy
 *    optional dependencies (better-sqlite3, pg, the AWS SDK, undici) stay outside, loaded on first use;
 * 3. the YAML configs the code reads at run time are copied beside both, with parsed JSON copies
 *    (JSON.parse is far quicker than a YAML parser), the web page's files (src/web/assets) likewise,
 *    and every `new URL("…", import.meta.url)` in the bundle is checked to name a file that exists.
 * When nothing under src/ or the build's config is newer than the last build's stamp, nothing is done,
 * so an install on an up-to-date tree costs nothing; `--force` always builds.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { parse as parseYaml } from "yaml";

const root = join(import.meta.dirname, "..");
const src = join(root, "src");
const dist = join(root, "dist");
const bin = join(dist, "bin");
const stamp = join(dist, ".build-stamp");
const EXTERNAL = ["better-sqlite3", "pg", "@aws-sdk/*", "undici"];

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
  const configs = ["package.json", "tsconfig.json", "tsconfig.build.json", "scripts/build.mjs"];
  const inputs = [...walk(src), ...configs.map((f) => join(root, f))];
  return inputs.every((path) => (mtime(path) ?? Number.POSITIVE_INFINITY) <= built);
}

if (!process.argv.includes("--force") && isFresh()) {
  process.stdout.write("dist/ is up to date\n");
  process.exit(0);
}

// Stamped with the start time, so a file saved while the build runs makes the next build run again.
const started = new Date();
const require = createRequire(import.meta.url);
const tsc = spawnSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")],
  {
    stdio: "inherit",
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

rmSync(bin, { recursive: true, force: true });
const esbuild = await import("esbuild");
await esbuild.build({
  entryPoints: [join(dist, "cli/butler.js")],
  outdir: bin,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // The maps point into dist/, which ships too.
  sourcesContent: false,
  external: EXTERNAL,
  // Bundled CommonJS dependencies call require() for Node's built-in modules.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  logLevel: "warning",
});

// The configs, where dist/<layer>/… and dist/bin/… find them (the same `../config/` from each), each
// with its parsed copy (`<file>.json`, see src/core/config/shipped-config.ts) checked to be the same data.
const configDir = join(src, "core/config");
for (const file of readdirSync(configDir).filter((f) => f.endsWith(".yaml"))) {
  const parsed = parseYaml(readFileSync(join(configDir, file), "utf8"));
  const json = JSON.stringify(parsed);
  if (!isDeepStrictEqual(JSON.parse(json), parsed)) {
    process.stderr.write(`build: ${file} holds values JSON cannot carry; it cannot be stored parsed\n`);
    process.exit(1);
  }
  for (const dir of [join(dist, "core/config"), join(dist, "config")]) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(configDir, file), join(dir, file));
    writeFileSync(join(dir, `${file}.json`), json);
  }
}
// The web page's files, beside the module that serves them in both places: dist/web/ and dist/bin/.
const assetDir = join(src, "web/assets");
for (const dir of [join(dist, "web/assets"), join(bin, "assets")]) {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(assetDir)) copyFileSync(join(assetDir, file), join(dir, file));
}
for (const file of readdirSync(bin).filter((f) => f.endsWith(".js"))) {
  const url = pathToFileURL(join(bin, file));
  for (const [, target] of readFileSync(join(bin, file), "utf8").matchAll(
    /new URL\(\s*"([^"]+)",\s*import\.meta\.url\s*\)/g,
  )) {
    const path = fileURLToPath(new URL(target, url));
    if (!existsSync(path)) {
      process.stderr.write(
        `build: dist/bin/${file} reads ${target}, which is not at ${relative(root, path)}\n`,
      );
      process.exit(1);
    }
  }
}
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
process.stdout.write("built dist/\n");
