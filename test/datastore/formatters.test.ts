/**
 * Formatters: JSON and YAML round trips of every structured storage class (through the datastore), the
 * registry's typed errors, the Parquet entry loading lazily, the FITS formatter on Image,
 * Mask and MaskedImage, its recipes, and its read plans.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { defaultStorageClasses, Timespan } from "../../src/core/index.ts";
import { BYTE_INDEX_VERSION, type FitsByteIndex, headerBytes } from "../../src/datastore/byte-index.ts";
import { FitsExposureFormatter } from "../../src/datastore/formatters/fits-exposure.ts";
import { JsonFormatter } from "../../src/datastore/formatters/json.ts";
import { FormatterRegistry } from "../../src/datastore/formatters/registry.ts";
import { YamlFormatter } from "../../src/datastore/formatters/yaml.ts";
import { FormatterError, UnknownFormatterError, WriteRecipeError } from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import { Box2I } from "../../src/image/box.ts";
import type { Image } from "../../src/image/image.ts";
import { Mask } from "../../src/image/mask.ts";
import { MaskedImage } from "../../src/image/masked-image.ts";
import { timeFromIso } from "../../src/time/index.ts";
import { fitsverify, fitsverifyPath } from "../support/oracles.ts";
import { calexpExposure, freshDir, instrumentRef, makeRepo, tree } from "./helpers.ts";

const storageClasses = defaultStorageClasses();

function sampleHeader(): Header {
  const header = new Header();
  header.set("EXPTIME", 30.0, { type: "float", comment: "seconds" });
  header.set("NAXIS1", 2048);
  header.set("BIGINT", 2n ** 62n + 7n);
  header.set("OBJECT", "M31 'field'");
  header.set("DONE", true);
  header.set("SKYLEVEL", Number.NaN, { type: "float" });
  header.set("NEGZERO", -0, { type: "float" });
  header.set("CPLX", { re: 1.5, im: -2 });
  header.set("UNSET", null);
  header.append({ key: "ESO DET CHIP NAME", type: "string", value: "CCD42", hierarch: true });
  header.addComment("a comment");
  header.addHistory("first");
  header.addHistory("second");
  header.append({ key: "DONE", type: "logical", value: false, comment: "repeated key" });
  return header;
}

describe("JSON and YAML round trips", () => {
  const values: [string, unknown, (a: unknown, b: unknown) => void][] = [
    ["StructuredDataDict", { a: 1, b: [1, 2, { c: "d" }], e: null, f: true, g: "x: y" }, assert.deepEqual],
    ["StructuredDataList", [1, "two", { three: 3 }, [4]], assert.deepEqual],
    ["int", 42, assert.equal],
    ["int", -(2n ** 70n), assert.equal],
    [
      "Timespan",
      new Timespan(
        timeFromIso("2021-09-09T03:00:00", "tai"),
        timeFromIso("2021-09-09T03:01:00.123456789", "tai"),
      ),
      (a, b) => assert.ok((a as Timespan).equals(b as Timespan)),
    ],
    ["Timespan", Timespan.UNBOUNDED, (a, b) => assert.ok((a as Timespan).equals(b as Timespan))],
    [
      "PropertyList",
      sampleHeader(),
      (a, b) => {
        assert.ok(a instanceof Header);
        // Same cards, types, values (NaN, -0, bigint, complex included) and comments, in the same order.
        assert.deepEqual(a.cards, (b as Header).cards);
        assert.equal(a.get("BIGINT"), 2n ** 62n + 7n);
        assert.ok(Object.is(a.get("NEGZERO"), -0));
        assert.deepEqual(a.getAll("DONE"), [true, false]);
        assert.equal(a.getCard("ESO DET CHIP NAME")?.hierarch, true);
      },
    ],
  ];

  for (const formatter of ["JsonFormatter", "YamlFormatter"] as const) {
    test(formatter, async () => {
      const lookups = Object.fromEntries(values.map(([sc]) => [sc, formatter]));
      const repo = await makeRepo({ formatters: lookups });
      for (const [i, [storageClass, value, same]] of values.entries()) {
        const ref = instrumentRef(`thing${i}`, storageClass);
        const { record } = await repo.datastore.put(value, ref);
        assert.equal(record.formatter, formatter);
        assert.ok(record.path.endsWith(formatter === "JsonFormatter" ? ".json" : ".yaml"), record.path);
        assert.deepEqual(record.byteIndex, {
          version: BYTE_INDEX_VERSION,
          kind: "whole",
          size: record.fileSize,
        });
        const { value: back, metrics } = await repo.datastore.get(ref);
        same(back, value);
        assert.equal(metrics.bytesRead, record.fileSize);
        const text = readFileSync(join(repo.root, record.path), "utf8");
        if (formatter === "JsonFormatter" && storageClass !== "int")
          assert.doesNotThrow(() => JSON.parse(text));
      }
    });
  }

  test("objects of the wrong type, and unparseable files, are FormatterErrors", async () => {
    const repo = await makeRepo();
    await assert.rejects(
      repo.datastore.put([1, 2], instrumentRef("d", "StructuredDataDict")),
      FormatterError,
    );
    await assert.rejects(repo.datastore.put(1.5, instrumentRef("i", "int")), FormatterError);
    await assert.rejects(
      repo.datastore.put({ big: 1n }, instrumentRef("j", "StructuredDataDict"), {}),
      FormatterError,
    );
    assert.deepEqual(tree(repo.root), []);
    const json = new JsonFormatter();
    const path = join(freshDir("bad"), "x.json");
    await json.write({ a: 1 }, { storageClass: storageClasses.get("StructuredDataDict"), path });
    const source = new FileSource(path);
    await assert.rejects(
      json.read(source, { storageClass: storageClasses.get("StructuredDataList") }),
      /does not hold a list/,
    );
    await source.close();
  });

  test("YAML files are plain YAML a person can read", async () => {
    const path = join(freshDir("yaml"), "h.yaml");
    await new YamlFormatter().write(sampleHeader(), {
      storageClass: storageClasses.get("PropertyList"),
      path,
    });
    const text = readFileSync(path, "utf8");
    assert.match(text, /- key: EXPTIME\n {2}type: float\n {2}value: 30\n {2}comment: seconds/);
    assert.doesNotMatch(text, /!!/);
  });
});

describe("the formatter registry", () => {
  test("an unknown name is a typed error listing the registered names", async () => {
    const registry = new FormatterRegistry();
    await assert.rejects(registry.get("FitsFormatter"), (err: unknown) => {
      assert.ok(err instanceof UnknownFormatterError);
      assert.match(
        err.message,
        /registered: FitsExposureFormatter, JsonFormatter, ParquetFormatter, YamlFormatter/,
      );
      return true;
    });
    assert.equal((await registry.get("lsst.daf.butler.formatters.json.JsonFormatter")).name, "JsonFormatter");
    assert.equal(await registry.get("JsonFormatter"), await registry.get("JsonFormatter"), "loaded once");
  });

  test("Parquet is registered and loads on first use; a non-table is refused before any file is made", async () => {
    const registry = new FormatterRegistry();
    assert.ok(registry.has("ParquetFormatter"));
    const parquet = await registry.get("lsst.daf.butler.formatters.parquet.ParquetFormatter");
    assert.equal(parquet.name, "ParquetFormatter");
    assert.deepEqual([...parquet.readComponents].sort(), ["columns", "rowcount", "schema"]);
    const repo = await makeRepo();
    await assert.rejects(
      repo.datastore.put({ rows: [] }, instrumentRef("table", "DataFrame")),
      (err: unknown) => err instanceof FormatterError && /must be a Table/.test(err.message),
    );
    assert.deepEqual(tree(repo.root), []);
  });
});

describe("FITS formatter: Image, Mask, MaskedImage, recipes and plans", () => {
  const formatter = new FitsExposureFormatter({ recipes: { fast: { compression: "GZIP_1", level: 1 } } });

  async function roundTrip(object: unknown, storageClass: string, recipe?: string) {
    const path = join(freshDir("fits"), "x.fits");
    const sc = storageClasses.get(storageClass);
    const written = await formatter.write(object, { storageClass: sc, path, ...(recipe ? { recipe } : {}) });
    if (fitsverifyPath() !== undefined) {
      const report = fitsverify(path);
      assert.equal(report.status, 0, report.output);
    }
    // Each read opens and closes its own source.
    const read = async (component?: string, parameters?: Record<string, unknown>) => {
      const source = new FileSource(path);
      try {
        return await formatter.read(source, {
          storageClass: sc,
          index: written.index,
          ...(component ? { component } : {}),
          ...(parameters ? { parameters } : {}),
        });
      } finally {
        await source.close();
      }
    };
    return { written, path, whole: await read(), read };
  }

  test("Image, Mask and MaskedImage keep pixels, xy0 and mask planes, with every recipe", async () => {
    const exposure = await calexpExposure();
    const box = Box2I.fromXYWH(12, 6, 9, 4);
    for (const recipe of [undefined, "noCompression", "fast"]) {
      const image = await roundTrip(exposure.image, "ImageF", recipe);
      assert.ok((image.whole as Image).equals(exposure.image));
      assert.ok(((await image.read("bbox")) as Box2I).equals(exposure.bbox));
      assert.ok(((await image.read(undefined, { bbox: box })) as Image).equals(exposure.image.subset(box)));
      const mask = await roundTrip(exposure.mask, "MaskX", recipe);
      assert.ok(mask.whole instanceof Mask);
      assert.ok(mask.whole.equals(exposure.mask));
      assert.deepEqual(mask.whole.planes.entries(), exposure.mask.planes.entries());
      assert.ok(((await mask.read("xy0")) as { x: number }).x === 8);
      const mi = await roundTrip(exposure.maskedImage, "MaskedImageF", recipe);
      assert.ok(mi.whole instanceof MaskedImage);
      assert.ok(mi.whole.equals(exposure.maskedImage));
      assert.ok(
        ((await mi.read("variance", { bbox: [2, 2, 5, 5], origin: "LOCAL" })) as Image).equals(
          exposure.variance.subset(Box2I.fromCorners(10, 6, 13, 9)),
        ),
      );
    }
  });

  test("the wrong object or pixel type for the storage class is refused before writing", async () => {
    const exposure = await calexpExposure();
    const path = join(freshDir("fits"), "x.fits");
    await assert.rejects(
      formatter.write(exposure.image, { storageClass: storageClasses.get("ImageI"), path }),
      /holds int32 pixels, but the image plane is float32/,
    );
    await assert.rejects(
      formatter.write(exposure, { storageClass: storageClasses.get("MaskX"), path }),
      /must be a Mask/,
    );
    assert.deepEqual(tree(join(path, "..")), []);
  });

  test("recipes: unknown names and bad settings are WriteRecipeErrors", async () => {
    const exposure = await calexpExposure();
    const path = join(freshDir("fits"), "x.fits");
    const sc = storageClasses.get("ExposureF");
    await assert.rejects(
      formatter.write(exposure, { storageClass: sc, path, recipe: "tiny" }),
      (err: unknown) => {
        assert.ok(err instanceof WriteRecipeError);
        assert.match(err.message, /known: lossless, noCompression, lossy16, fast/);
        return true;
      },
    );
    assert.throws(
      () => new FitsExposureFormatter({ recipes: { odd: { compression: "RICE_1", dither: "DITHER_3" } } }),
      /dither must be one of NO_DITHER, SUBTRACTIVE_DITHER_1, SUBTRACTIVE_DITHER_2/,
    );
    assert.throws(
      () => new FitsExposureFormatter({ recipes: { odd: { compression: "HCOMPRESS_1" } } }),
      WriteRecipeError,
    );
    assert.throws(
      () => new FitsExposureFormatter({ recipes: { odd: { compression: "none", tile: [0, 1] } } }),
      WriteRecipeError,
    );
    // lossy16 on an integer-only object is lossless anyway (the mask is never quantized).
    const maskPath = join(freshDir("fits"), "m.fits");
    await formatter.write(exposure.mask, {
      storageClass: storageClasses.get("MaskX"),
      path: maskPath,
      recipe: "lossy16",
    });
  });

  test("plans name exactly the bytes a read needs, from the index alone", async () => {
    const exposure = await calexpExposure();
    const sc = storageClasses.get("ExposureF");
    const path = join(freshDir("fits"), "plain.fits");
    const { index } = await formatter.write(exposure, { storageClass: sc, path, recipe: "noCompression" });
    const fits = index as FitsByteIndex;
    const metadataPlan = formatter.plan({ storageClass: sc, component: "metadata" }, index);
    assert.deepEqual(metadataPlan, [
      { offset: 0, length: fits.hdus[0]!.headerLength },
      { offset: fits.hdus[1]!.headerOffset, length: fits.hdus[1]!.headerLength },
    ]);
    assert.equal(
      metadataPlan.reduce((n, r) => n + r.length, 0),
      headerBytes(fits, 2),
    );
    // A cutout of an uncompressed plane: from its first pixel to its last, in one range.
    const box = Box2I.fromCorners(10, 6, 20, 12);
    const plan = formatter.plan({ storageClass: sc, component: "image", parameters: { bbox: box } }, index);
    const image = fits.hdus[1]!;
    const rowBytes = 48 * 4;
    assert.deepEqual(plan.at(-1), {
      offset: image.dataOffset + (6 - 4) * rowBytes + (10 - 8) * 4,
      length: 6 * rowBytes + 11 * 4,
    });
    const local = formatter.plan(
      { storageClass: sc, component: "image", parameters: { bbox: [2, 2, 12, 8], origin: "LOCAL" } },
      index,
    );
    assert.deepEqual(local, plan);
    // The reader fetches what the plan says (and, here, nothing else).
    const metrics = createMetrics({ recordRanges: true });
    const source = withMetrics(new FileSource(path), metrics);
    const cut = await formatter.read(source, {
      storageClass: sc,
      component: "image",
      parameters: { bbox: box },
      index,
    });
    await source.close?.();
    assert.ok((cut as Image).equals(exposure.image.subset(box)));
    const planned = plan.reduce((n, r) => n + r.length, 0);
    assert.equal(metrics.bytes, planned);
  });
});
