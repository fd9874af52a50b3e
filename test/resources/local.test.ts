import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { InvalidUriError } from "../../src/errors/index.ts";
import { FileResourcePath } from "../../src/resources/file-resource.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { HttpResourcePath } from "../../src/resources/http-resource.ts";
import { clearMemStore, MemResourcePath } from "../../src/resources/mem-resource.ts";
import { S3ResourcePath } from "../../src/resources/s3-resource.ts";
import { pattern } from "../bytes/helpers.ts";
import { conformance } from "./conformance.ts";

describe("resourcePath parsing and path arithmetic", () => {
  test("each scheme gets its class, with decoded paths", () => {
    const s3 = resourcePath("s3://bucket/dir/a%20b.fits");
    assert.ok(s3 instanceof S3ResourcePath);
    assert.equal(s3.bucket, "bucket");
    assert.equal(s3.key, "dir/a b.fits");
    assert.equal(s3.uri, "s3://bucket/dir/a%20b.fits");

    const profiled = resourcePath("s3://archive@bucket/k") as S3ResourcePath;
    assert.equal(profiled.profile, "archive");
    assert.equal(profiled.uri, "s3://archive@bucket/k");

    const http = resourcePath("https://host:8443/dav/x.fits?sig=secret");
    assert.ok(http instanceof HttpResourcePath);
    assert.equal(http.authority, "host:8443");
    assert.equal(http.uri, "https://host:8443/dav/x.fits");
    assert.equal(http.url, "https://host:8443/dav/x.fits?sig=secret");
    assert.equal(resourcePath("davs://host/dav/").scheme, "https");

    assert.ok(resourcePath("mem://ns/a/b") instanceof MemResourcePath);
    const file = resourcePath("/tmp/some dir/f.fits");
    assert.ok(file instanceof FileResourcePath);
    assert.equal(file.uri, "file:///tmp/some%20dir/f.fits");
    assert.equal(resourcePath("file:///tmp/some%20dir/").path, "/tmp/some dir/");
    assert.equal(resourcePath("relative/x.txt").path, join(process.cwd(), "relative/x.txt"));
    assert.equal(resourcePath("/tmp/d", { forceDirectory: true }).isDirectory, true);
  });

  test("bad URIs are InvalidUriErrors", () => {
    assert.throws(() => resourcePath("abfs://container/key"), InvalidUriError);
    assert.throws(() => resourcePath("gs:///key"), InvalidUriError);
    assert.throws(() => resourcePath("s3:///key"), InvalidUriError);
    assert.throws(() => resourcePath("mem://ns/%E0%A4%A"), InvalidUriError);
    assert.throws(() => resourcePath("s3://b/").join("/abs"), InvalidUriError);
    assert.throws(() => resourcePath("s3://b/").join("s3://other/x"), InvalidUriError);
  });

  test("join, parent, basename and relativeTo", () => {
    const root = resourcePath("s3://bucket/repo/");
    const file = root.join("run", "calexp/x.fits");
    assert.equal(file.uri, "s3://bucket/repo/run/calexp/x.fits");
    assert.equal(file.isDirectory, false);
    assert.equal(file.basename(), "x.fits");
    assert.equal(file.extension(), ".fits");
    assert.equal(file.parent().uri, "s3://bucket/repo/run/calexp/");
    assert.equal(file.parent().parent().basename(), "run");
    assert.equal(file.relativeTo(root), "run/calexp/x.fits");
    assert.equal(root.join("a/../b/./c.txt").uri, "s3://bucket/repo/b/c.txt");
    assert.equal(root.join("../../../x").uri, "s3://bucket/x");
    assert.equal(root.join("sub/").isDirectory, true);
    assert.equal(root.join("sub/..").uri, "s3://bucket/repo/");
    // A file path joins as if it were a directory.
    assert.equal(resourcePath("s3://bucket/repo").join("x").uri, "s3://bucket/repo/x");
    assert.equal(resourcePath("s3://bucket/").parent().uri, "s3://bucket/");
    assert.equal(file.relativeTo(resourcePath("s3://other/repo/")), undefined);
    assert.equal(root.relativeTo(root), undefined);
    assert.ok(file.tempSibling().basename().startsWith(".x.fits.tmp-"));
    assert.equal(file.tempSibling().parent().uri, file.parent().uri);
  });
});

describe("file:// resources", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  conformance(async () => {
    const dir = await mkdtemp(join(tmpdir(), "butler-resources-"));
    dirs.push(dir);
    return resourcePath(`${dir}/`);
  });

  test("an overwriting write leaves no temporary file when it fails", async () => {
    const dir = await mkdtemp(join(tmpdir(), "butler-resources-"));
    dirs.push(dir);
    const file = resourcePath(join(dir, "f.bin"));
    await file.write(pattern(10));
    await assert.rejects(file.write(pattern(10), { overwrite: false }));
    assert.deepEqual(await readdir(dir), ["f.bin"]);
  });
});

describe("mem:// resources", () => {
  let n = 0;
  after(() => clearMemStore());
  conformance(async () => resourcePath(`mem://conformance-${++n}/root/`));

  test("a source opened before a write keeps reading the old bytes", async () => {
    const file = resourcePath("mem://snapshots/f.bin");
    await file.write(pattern(10));
    const source = file.openSource();
    assert.equal(await source.size(), 10);
    const etag = source.etag;
    assert.ok(etag !== undefined);
    await file.write(new Uint8Array(10));
    assert.deepEqual(await source.read(0, 10), pattern(10));
    const fresh = file.openSource();
    assert.deepEqual(await fresh.read(0, 10), new Uint8Array(10));
    assert.notEqual(fresh.etag, etag);
    clearMemStore("snapshots");
    assert.equal(await file.exists(), false);
  });
});
