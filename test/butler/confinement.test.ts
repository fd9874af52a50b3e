/**
 * Nothing escapes the datastore root: file templates are relative paths (a scheme, an absolute path or
 * a `..` is a FileTemplateError when the config is read, before any put), and puts, imports,
 * removals and retrievals refuse a symbolic link inside the root (or destination) that points out.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { stringify } from "yaml";
import { Butler } from "../../src/butler/index.ts";
import { readRepoConfig } from "../../src/butler/repo-config.ts";
import { FileTemplateError, PathEscapeError } from "../../src/errors/index.ts";
import { calexpExposure, DATA_ID, freshDir, makeRepo, RUN, tree } from "./helpers.ts";

const HOSTILE_TEMPLATES = [
  "file:///tmp/escaped/{run}/{datasetType}/{visit}",
  "s3://bucket/{run}/{datasetType}/{visit}",
  "/tmp/escaped/{run}/{datasetType}/{visit}",
  "{run}/../../escaped/{datasetType}/{visit}",
  "../{run}/{datasetType}/{visit}",
];

describe("file templates are relative paths", () => {
  for (const template of HOSTILE_TEMPLATES) {
    test(`'${template}' is refused by Butler.create`, async () => {
      const repo = freshDir("hostile");
      await assert.rejects(
        Butler.create(repo, { seedConfig: { datastore: { templates: { calexp: template } } } }),
        (err: unknown) => err instanceof FileTemplateError && err.template === template,
      );
      assert.deepEqual(readdirSync(repo), []);
    });
  }

  test("a template edited into butler.yaml is refused when the repository is opened, not at the first put", async () => {
    const { repo } = await makeRepo();
    const config = await readRepoConfig(repo);
    const raw = structuredClone(config.raw) as unknown as {
      datastore: { templates: Record<string, string> };
    };
    raw.datastore.templates.calexp = HOSTILE_TEMPLATES[0]!;
    writeFileSync(join(repo, "butler.yaml"), stringify(raw));
    await assert.rejects(Butler.open(repo, { run: RUN }), FileTemplateError);
    await assert.rejects(Butler.open(repo), /URI scheme/);
  });
});

describe("a symbolic link inside the root that points out of it", () => {
  test("put is refused and writes nothing on the far side", async () => {
    const { repo, butler } = await makeRepo();
    const outside = freshDir("outside");
    // The run's top directory is a link out of the root.
    symlinkSync(outside, join(repo, "HSC"));
    await assert.rejects(
      butler.put(await calexpExposure(), "calexp", DATA_ID),
      (err: unknown) => err instanceof PathEscapeError && err.message.includes(outside),
    );
    assert.deepEqual(tree(outside), []);
    assert.deepEqual(await butler.registry.queryDatasets("calexp", { collections: RUN }), []);
    assert.deepEqual(await butler.datastore.records.get([]), []);
  });

  test("a deeper link is caught too, and a link inside the root is fine", async () => {
    const { repo, butler } = await makeRepo();
    const outside = freshDir("outside");
    mkdirSync(join(repo, "HSC/runs/test"), { recursive: true });
    symlinkSync(outside, join(repo, "HSC/runs/test/calexp"));
    await assert.rejects(butler.put(await calexpExposure(), "calexp", DATA_ID), PathEscapeError);
    assert.deepEqual(tree(outside), []);
    // A link that stays inside the root is not an escape.
    const { repo: repo2, butler: butler2 } = await makeRepo();
    mkdirSync(join(repo2, "elsewhere"));
    symlinkSync(join(repo2, "elsewhere"), join(repo2, "HSC"));
    await butler2.put(await calexpExposure(), "calexp", DATA_ID);
    assert.equal(tree(join(repo2, "elsewhere")).filter((p) => p.endsWith(".fits")).length, 1);
  });

  test("removeRuns never deletes a file on the far side of a link", async () => {
    const { repo, butler } = await makeRepo();
    await butler.put(await calexpExposure(), "calexp", DATA_ID);
    // The run's files are moved out and a link put in their place.
    const outside = freshDir("outside");
    renameSync(join(repo, "HSC"), join(outside, "HSC"));
    symlinkSync(join(outside, "HSC"), join(repo, "HSC"));
    const farFiles = tree(outside).filter((p) => p.endsWith(".fits"));
    assert.equal(farFiles.length, 1);
    await butler.removeRuns(RUN);
    // The registry forgot the run; the file outside the root is still there.
    assert.ok(existsSync(join(outside, farFiles[0]!)));
    assert.deepEqual(await butler.datastore.records.listTrash(), []);
  });

  test("import into a root with a link out is refused and leaves no row", async () => {
    const { butler } = await makeRepo();
    const ref = await butler.put(await calexpExposure(), "calexp", DATA_ID);
    const exported = freshDir("export");
    await butler.export([ref], { directory: exported, transfer: "copy" });
    const { repo: target, butler: into } = await makeRepo();
    const outside = freshDir("outside");
    symlinkSync(outside, join(target, "HSC"));
    await assert.rejects(into.import(exported, { transfer: "copy" }), PathEscapeError);
    assert.deepEqual(tree(outside), []);
    assert.equal((await into.registry.queryCollections()).includes(RUN), true);
    assert.deepEqual(await into.registry.queryDatasets("calexp", { collections: RUN }), []);
  });

  test("retrieveArtifacts and export refuse a destination with a link out", async () => {
    const { butler } = await makeRepo();
    const ref = await butler.put(await calexpExposure(), "calexp", DATA_ID);
    const destination = freshDir("artifacts");
    const outside = freshDir("outside");
    symlinkSync(outside, join(destination, "HSC"));
    await assert.rejects(butler.retrieveArtifacts([ref], destination), PathEscapeError);
    await assert.rejects(butler.export([ref], { directory: destination, transfer: "copy" }), PathEscapeError);
    assert.deepEqual(tree(outside), []);
    // Without the path (base names only) the same destination is fine.
    const written = await butler.retrieveArtifacts([ref], destination, { preservePath: false });
    assert.equal(written.length, 1);
  });
});
