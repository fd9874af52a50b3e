/**
 * The package as people install it: `npm pack` (which builds dist/ through `prepare`), the tarball
 * installed into an empty project, `Butler` imported from plain JavaScript and type-checked from
 * TypeScript with `moduleResolution: nodenext` against the installed declarations, and the installed
 * `butler` command run. The install is offline: its lockfile lists the dependencies at the versions of
 * this project's own lockfile, whose tarballs npm's cache already holds.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

const ROOT = join(import.meta.dirname, "../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  assert.equal(result.status, 0, `${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A lockfile for a project depending on the tarball alone: its runtime dependencies as locked here. */
function appLockfile(tarball: string, dependencies: Record<string, string>): unknown {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const self = lock.packages[""]!;
  const packages: Record<string, unknown> = {
    "": { name: "app", version: "1.0.0", dependencies },
    "node_modules/butler-ts": {
      version: self.version,
      resolved: `file:${tarball}`,
      license: self.license,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== "" && entry.dev !== true && entry.link !== true) packages[path] = entry;
  }
  return { name: "app", version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

describe("the packed package", { timeout: 600_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "butler-pack-"));
  const app = join(scratch, "app");
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
    .version;

  before(() => {
    run("npm", ["pack", "--silent", "--pack-destination", scratch], ROOT);
    const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack made no tarball");
    mkdirSync(app);
    renameSync(join(scratch, tarball), join(app, tarball));
    const dependencies = { "butler-ts": `file:${tarball}` };
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module", dependencies }),
    );
    writeFileSync(join(app, "package-lock.json"), JSON.stringify(appLockfile(tarball, dependencies)));
    // No install scripts: better-sqlite3's native build is not what this test is about, and nothing
    // here opens a registry.
    run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], app);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("the tarball holds the build, not the sources", () => {
    const files = readdirSync(join(app, "node_modules/butler-ts"));
    assert.deepEqual(files.sort(), ["README.md", "dist", "package.json"]);
    const dist = readdirSync(join(app, "node_modules/butler-ts/dist"));
    for (const file of ["index.js", "index.d.ts", "index.js.map"]) assert.ok(dist.includes(file), file);
    assert.ok(!dist.includes(".tsbuildinfo"));
  });

  test("plain JavaScript imports Butler", () => {
    writeFileSync(
      join(app, "use.mjs"),
      'import { Butler, ButlerError } from "butler-ts";\nconsole.log(typeof Butler.open, typeof ButlerError);\n',
    );
    assert.equal(run(process.execPath, ["use.mjs"], app), "function function\n");
  });

  test("TypeScript (moduleResolution nodenext) type-checks against the installed declarations", () => {
    writeFileSync(
      join(app, "use.mts"),
      [
        'import { Butler, type DatasetRef } from "butler-ts";',
        "export async function firstRef(repo: string): Promise<DatasetRef | undefined> {",
        '  const butler: Butler = await Butler.open(repo, { collections: "DemoCam/defaults" });',
        '  const refs = await butler.registry.queryDatasets("calexp", { collections: "DemoCam/defaults" });',
        "  return refs[0];",
        "}",
        "// @ts-expect-error: the declarations are precise enough to refuse a wrong argument",
        "Butler.open(42);",
        "",
      ].join("\n"),
    );
    const compilerOptions = {
      module: "nodenext",
      moduleResolution: "nodenext",
      target: "ES2022",
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
    };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["use.mts"] }));
    run(process.execPath, [TSC, "-p", app], app);
  });

  test("the web page's files are beside the modules that serve them", () => {
    const dist = join(app, "node_modules/butler-ts/dist");
    const assets = readdirSync(join(ROOT, "src/web/assets")).sort();
    assert.ok(assets.includes("index.html"));
    for (const dir of ["web/assets", "bin/assets"]) {
      assert.deepEqual(readdirSync(join(dist, dir)).sort(), assets, dir);
    }
  });

  test("the installed butler command runs", () => {
    const bin = join(app, "node_modules/.bin/butler");
    assert.equal(run(bin, ["--version"], app), `${version}\n`);
    assert.match(run(bin, ["--help"], app), /^Usage: butler \[options\] \[command\]/);
  });
});
