/**
 * The behaviour every ResourcePath scheme shares, as one set of tests run against each store:
 * `fresh()` gives an empty directory of the store under test.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError, ObjectNotFoundError, ResourceExistsError } from "../../src/errors/index.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import type { ResourcePath } from "../../src/resources/resource-path.ts";
import { pattern } from "../bytes/helpers.ts";

const names = (entries: { path: ResourcePath }[], root: ResourcePath) =>
  entries.map((e) => e.path.relativeTo(root));

export function conformance(fresh: () => Promise<ResourcePath>): void {
  test("write, exists, size and read round-trip bytes and text", async () => {
    const root = await fresh();
    const file = root.join("a/b/data.bin");
    assert.equal(await file.exists(), false);
    const bytes = pattern(10_000);
    await file.write(bytes);
    assert.equal(await file.exists(), true);
    assert.equal(await file.size(), 10_000);
    assert.deepEqual(await file.read(), bytes);
    const text = root.join("notes.txt");
    await text.write("héllo\n");
    assert.equal(new TextDecoder().decode(await text.read()), "héllo\n");
    assert.equal(await root.join("a/").exists(), true);
    assert.equal(await root.join("nowhere/").exists(), false);
  });

  test("writes replace by default, and refuse to when overwrite is false", async () => {
    const root = await fresh();
    const file = root.join("x.bin");
    await file.write(pattern(10));
    await file.write(pattern(20));
    assert.equal(await file.size(), 20);
    await assert.rejects(file.write(pattern(30), { overwrite: false }), ResourceExistsError);
    assert.deepEqual(await file.read(), pattern(20));
    const other = root.join("y.bin");
    await other.write(pattern(5), { overwrite: false });
    assert.equal(await other.size(), 5);
    // No temporary names are left behind.
    assert.deepEqual(names(await root.list(), root), ["x.bin", "y.bin"]);
  });

  test("list walks everything below, or gives the direct children", async () => {
    const root = await fresh();
    await root.join("top.bin").write(pattern(3));
    await root.join("d1/one.bin").write(pattern(4));
    await root.join("d1/d2/two.bin").write(pattern(5));
    await root.join("e/three.bin").write(pattern(6));
    const all = await root.list();
    assert.deepEqual(names(all, root), ["d1/d2/two.bin", "d1/one.bin", "e/three.bin", "top.bin"].sort());
    assert.deepEqual(
      all.map((e) => [e.isDirectory, e.size]),
      [
        [false, 5],
        [false, 4],
        [false, 6],
        [false, 3],
      ],
    );
    const direct = await root.list({ recursive: false });
    assert.deepEqual(direct.map((e) => [e.path.relativeTo(root), e.isDirectory]).sort(), [
      ["d1/", true],
      ["e/", true],
      ["top.bin", false],
    ]);
    assert.deepEqual(names(await root.join("d1").list(), root), ["d1/d2/two.bin", "d1/one.bin"]);
    assert.deepEqual(await root.join("absent/").list(), []);
  });

  test("remove deletes a file once; a missing file is ObjectNotFoundError", async () => {
    const root = await fresh();
    const file = root.join("gone.bin");
    await file.write(pattern(10));
    assert.equal(await file.remove(), true);
    assert.equal(await file.remove(), false);
    assert.equal(await file.exists(), false);
    await assert.rejects(file.read(), ObjectNotFoundError);
    await assert.rejects(file.size(), ObjectNotFoundError);
  });

  test("openSource reads exact ranges", async () => {
    const root = await fresh();
    const file = root.join("ranges.bin");
    const bytes = pattern(50_000);
    await file.write(bytes);
    const source = file.openSource();
    try {
      assert.equal(await source.size(), 50_000);
      assert.deepEqual(await source.read(12_345, 678), bytes.slice(12_345, 13_023));
      assert.deepEqual(await source.read(49_990, 10), bytes.slice(49_990));
    } finally {
      await source.close?.();
    }
    const known = file.openSource({ size: 50_000 });
    assert.deepEqual(await known.read(0, 16), bytes.slice(0, 16));
    await known.close?.();
    await assert.rejects(root.join("missing.bin").openSource().read(0, 1), ObjectNotFoundError);
  });

  test("copy and move within the store, and to and from another scheme", async () => {
    const root = await fresh();
    const bytes = pattern(4096);
    const original = root.join("orig.bin");
    await original.write(bytes);
    const copy = root.join("copies/copy.bin");
    await original.copyTo(copy);
    assert.deepEqual(await copy.read(), bytes);
    await assert.rejects(original.copyTo(copy, { overwrite: false }), ResourceExistsError);

    const moved = root.join("moved/moved.bin");
    await moved.transferFrom(copy, { mode: "move" });
    assert.deepEqual(await moved.read(), bytes);
    assert.equal(await copy.exists(), false);

    const elsewhere = resourcePath(`mem://conformance-${Math.random().toString(36).slice(2)}/x/out.bin`);
    await elsewhere.transferFrom(moved);
    assert.deepEqual(await elsewhere.read(), bytes);
    const back = root.join("back/in.bin");
    await back.transferFrom(elsewhere, { mode: "move" });
    assert.deepEqual(await back.read(), bytes);
    assert.equal(await elsewhere.exists(), false);
  });

  test("mkdir makes a directory with its parents", async () => {
    const root = await fresh();
    const dir = root.join("m1/m2/m3/");
    await dir.mkdir();
    await dir.mkdir();
    await dir.join("f.bin").write(pattern(1));
    assert.equal(await dir.exists(), true);
    assert.equal(await root.join("m1/").exists(), true);
  });

  test("file operations on a directory path are refused", async () => {
    const root = await fresh();
    await assert.rejects(root.read(), InvalidArgumentError);
    await assert.rejects(root.write(pattern(1)), InvalidArgumentError);
    await assert.rejects(root.remove(), InvalidArgumentError);
  });
}
