/**
 * Butler.put and Butler.get of the real calexp: the whole Exposure, every component by
 * `calexp.<component>`, cutouts, refs and component refs, data IDs with defaults and alternate keys,
 * getMany, getDeferred, exists and URIs, the timer log, and the errors a user meets on the way; each
 * directly and through a butler server.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DatasetRef, defaultStorageClasses } from "../../src/core/index.ts";
import { exposureAssembler } from "../../src/datastore/index.ts";
import {
  ComponentNotLoadedError,
  ConflictingDefinitionError,
  DatasetNotFoundInCollectionsError,
  DatasetNotInDatastoreError,
  InvalidArgumentError,
  InvalidParameterError,
  MissingDatasetTypeError,
  NoDefaultCollectionError,
  UnknownComponentError,
  UnknownParameterError,
} from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import { archiveObjectsEqual } from "../../src/image/archive-types.ts";
import { Box2I } from "../../src/image/box.ts";
import { Exposure } from "../../src/image/exposure.ts";
import { headersEqual } from "../../src/image/exposure-info.ts";
import { Image } from "../../src/image/image.ts";
import { type LogRecord, resetLogLevels, setLogLevel, setLogSinks } from "../../src/log.ts";
import { bothWays, type Way } from "../support/both-ways.ts";
import { calexpExposure, DATA_ID, makeHscRepo, RUN } from "./helpers.ts";

const exposure: Exposure = await calexpExposure();
const CUT = Box2I.fromCorners(10, 6, 20, 12);

/** Equality for each kind of component value. */
function sameComponent(actual: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === expected || actual === null;
  if (expected instanceof Header) return actual instanceof Header && headersEqual(actual, expected);
  const withEquals = expected as { equals?: (other: unknown) => boolean };
  if (typeof withEquals.equals === "function") return withEquals.equals(actual);
  if (typeof expected === "object" && expected.constructor?.name === "ArchiveObject") {
    return archiveObjectsEqual(actual as never, expected as never);
  }
  assert.deepEqual(actual, expected);
  return true;
}

/** Each way puts its own datasets, in a repository of its own. */
const WRITES = {
  make: (repo: string, db: string) => makeHscRepo(repo, db),
  butler: { run: RUN },
  writes: true,
};

/** A URI's path: a local butler's `file://` URI, or the path of the server's signed URL. */
function uriPath(way: Way, uri: string): string {
  if (way.name === "direct") {
    assert.match(uri, /^file:\/\//);
    return uri;
  }
  assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/api\/butler\/repo\/main\/v1\/bytes\/.*\?/);
  return decodeURIComponent(uri.slice(0, uri.indexOf("?")));
}

bothWays("put and get a calexp", WRITES, (suite) => {
  let ref: DatasetRef;
  suite.before(async ({ butler }) => {
    ref = await butler.put(exposure, "calexp", DATA_ID);
  });

  suite.test("put returns a ref in the run with the data ID expanded", async () => {
    assert.equal(ref.run, RUN);
    assert.equal(ref.datasetType.name, "calexp");
    assert.equal(ref.dataId.get("physical_filter"), "HSC-R");
  });

  suite.test("the whole Exposure reads back equal", async ({ butler }) => {
    const back = await butler.get<Exposure>("calexp", DATA_ID);
    assert.ok(back instanceof Exposure);
    assert.ok(back.maskedImage.equals(exposure.maskedImage));
    // The archived components are fetched when first asked for.
    assert.equal(back.info.loaded, false);
    assert.throws(() => back.info.psf, ComponentNotLoadedError);
    assert.ok((await back.info.load("psf")).psf !== undefined);
    assert.throws(() => back.info.equals(exposure.info), ComponentNotLoadedError);
    assert.ok((await back.info.load()).equals(exposure.info));
    const byRef = await butler.get<Exposure>(ref);
    assert.ok(byRef.maskedImage.equals(exposure.maskedImage));
  });

  suite.test("every component of ExposureF, by calexp.<component>", async ({ butler }) => {
    const storageClass = defaultStorageClasses().get("ExposureF");
    const components = storageClass.allComponents();
    assert.ok(components.length >= 19, components.join(","));
    for (const component of components) {
      const expected = exposureAssembler.getComponent(exposure, component, storageClass);
      const actual = await butler.get(`calexp.${component}`, DATA_ID);
      assert.ok(sameComponent(actual, expected), `calexp.${component}`);
    }
  });

  suite.test("a component ref", async ({ butler }) => {
    const wcs = await butler.get(butler.componentRef(ref, "wcs"));
    assert.ok(exposure.info.wcs!.equals(wcs as never));
  });

  suite.test("a component through getDeferred", async ({ butler }) => {
    const handle = await butler.getDeferred<Exposure>("calexp", DATA_ID);
    assert.equal(handle.ref.id, ref.id);
    assert.equal(handle.dataId.get("visit"), 903334);
    const visitInfo = await handle.get({ component: "visitInfo" });
    assert.ok(exposure.info.visitInfo!.equals(visitInfo as never));
    const whole = await handle.get();
    assert.ok(whole.maskedImage.equals(exposure.maskedImage));
  });

  suite.test("getDeferred of a component, by name and by component ref", async ({ butler }) => {
    const byName = await butler.getDeferred("calexp.wcs", DATA_ID);
    assert.equal(byName.ref.datasetType.name, "calexp.wcs");
    assert.ok(exposure.info.wcs!.equals((await byName.get()) as never));
    const byRef = await butler.getDeferred(butler.componentRef(ref, "bbox"));
    assert.ok((await byRef.get<Box2I>()).equals(exposure.bbox));
    const cut = await butler.getDeferred<Image>("calexp.image", DATA_ID, { parameters: { bbox: CUT } });
    assert.ok((await cut.get()).equals(exposure.image.subset(CUT)));
  });

  suite.test(
    "getDeferred checks at once: a missing dataset, a bad component or parameter",
    async ({ butler }) => {
      await assert.rejects(
        butler.getDeferred("calexp", { ...DATA_ID, detector: 17 }),
        DatasetNotFoundInCollectionsError,
      );
      await assert.rejects(butler.getDeferred("calexp.nonesuch", DATA_ID), UnknownComponentError);
      await assert.rejects(
        butler.getDeferred("calexp", DATA_ID, { parameters: { nonesuch: 1 } }),
        UnknownParameterError,
      );
      const handle = await butler.getDeferred("calexp", DATA_ID);
      assert.throws(() => handle.get({ component: "nonesuch" }), UnknownComponentError);
    },
  );

  suite.test("a cutout with a PARENT bbox, the same box LOCAL, and an image cutout", async ({ butler }) => {
    const box = Box2I.fromCorners(10, 6, 20, 12);
    const parent = await butler.get<Exposure>("calexp", DATA_ID, { parameters: { bbox: box } });
    assert.ok(parent.bbox.equals(box));
    assert.ok(parent.maskedImage.equals(exposure.maskedImage.subset(box)));
    const local = await butler.get<Exposure>("calexp", DATA_ID, {
      parameters: { bbox: [2, 2, 12, 8], origin: "LOCAL" },
    });
    assert.ok(local.maskedImage.equals(exposure.maskedImage.subset(box)));
    const image = await butler.get<Image>("calexp.image", DATA_ID, { parameters: { bbox: box } });
    assert.ok(image instanceof Image && image.equals(exposure.image.subset(box)));
  });

  suite.test("deferred parameters merge, the later ones winning", async ({ butler }) => {
    const box = Box2I.fromCorners(10, 6, 20, 12);
    const handle = await butler.getDeferred<Exposure>("calexp", DATA_ID, { parameters: { bbox: box } });
    const later = await handle.get({ parameters: { bbox: [2, 2, 12, 8], origin: "LOCAL" } });
    assert.ok(later.bbox.equals(box));
    assert.ok(later.maskedImage.equals(exposure.maskedImage.subset(box)));
  });

  suite.test("data IDs: alternate keys, the butler's default data ID, a Map", async ({ butler, open }) => {
    const byName = await butler.get("calexp.bbox", {
      instrument: "HSC",
      visit: 903334,
      "detector.full_name": "0_30",
    });
    assert.ok((byName as Box2I).equals(exposure.bbox));
    const defaults = await open({ collections: RUN, dataId: { instrument: "HSC" } });
    const bbox = await defaults.get("calexp.bbox", { visit: 903334, detector: 16 });
    assert.ok((bbox as Box2I).equals(exposure.bbox));
    const fromMap = await defaults.get(
      "calexp.bbox",
      new Map<string, unknown>([
        ["visit", 903334],
        ["detector", 16],
      ]),
    );
    assert.ok((fromMap as Box2I).equals(exposure.bbox));
  });

  suite.test("exists and getURI", async (way) => {
    const { butler } = way;
    assert.equal(await butler.exists("calexp", DATA_ID), true);
    assert.equal(await butler.exists(ref), true);
    assert.equal(await butler.exists("calexp", { ...DATA_ID, detector: 17 }), false);
    const uri = uriPath(way, await butler.getURI("calexp", DATA_ID));
    assert.match(uri, /\/HSC\/runs\/test\/calexp\/.*_903334_0_30_HSC_runs_test\.fits$/);
    const uris = await butler.getURIs(ref);
    assert.deepEqual(uris.componentURIs, {});
    assert.equal(uriPath(way, uris.primaryURI!), uri);
  });

  suite.test("retrieveArtifacts copies the files under their datastore paths", async (way) => {
    const { butler } = way;
    const dest = mkdtempSync(join(tmpdir(), "butler-artifacts-"));
    try {
      const written = await butler.retrieveArtifacts([ref, butler.componentRef(ref, "wcs")], dest);
      assert.equal(written.length, 1, "a component ref names its dataset's file");
      const rel = relative(dest, written[0]!);
      assert.match(rel, /^HSC\/runs\/test\/calexp\/.*_903334_0_30_HSC_runs_test\.fits$/);
      assert.deepEqual(readFileSync(written[0]!), readFileSync(join(way.repo, rel)));
      await assert.rejects(butler.retrieveArtifacts([ref], dest), ConflictingDefinitionError);
      const flat = await butler.retrieveArtifacts([ref], join(dest, "flat"), { preservePath: false });
      assert.equal(relative(dest, flat[0]!), join("flat", rel.slice(rel.lastIndexOf("/") + 1)));
      const unknown = new DatasetRef(ref.datasetType, ref.dataId, ref.run, { id: randomUUID() });
      await assert.rejects(butler.retrieveArtifacts([unknown], dest), DatasetNotInDatastoreError);
      if (way.name === "server") {
        // Files come over HTTP: they cannot be linked, and the refusal shows no signed URL.
        const err = await butler.retrieveArtifacts([ref], join(dest, "links"), { transfer: "symlink" }).then(
          () => assert.fail("a symlink through a server was not refused"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof InvalidArgumentError, String(err));
        assert.doesNotMatch(err.message, /sig=|expires=/);
      }
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  suite.directOnly(
    "a server decides where a put writes, so it predicts no URI",
    "a predicted URI",
    async (butler) => {
      const predicted = await butler.getURI("calexp", { ...DATA_ID, detector: 17 }, { predict: true });
      assert.match(predicted, /_903334_0_29_HSC_runs_test\.fits#predicted$/);
    },
  );

  suite.directOnly(
    "the timer fields of a local get and put: registry, record and file times",
    "the timer logger records registry time, requests, bytes, fetch and decode time of a get and a put",
    async (butler) => {
      const records: LogRecord[] = [];
      const previous = setLogSinks([(r) => records.push(r)]);
      setLogLevel("timer.butler", "debug");
      try {
        await butler.get("calexp.metadata", DATA_ID);
        await butler.put(exposure, "calexp", { ...DATA_ID, detector: 22 });
      } finally {
        setLogSinks(previous);
        resetLogLevels();
      }
      const get = records.find((r) => r.message.startsWith("Retrieved dataset calexp.metadata@"));
      assert.ok(get, records.map((r) => r.message).join("\n"));
      assert.equal(get.logger, "timer.butler");
      for (const field of [
        "registryMs",
        "recordMs",
        "openMs",
        "fetchMs",
        "decodeMs",
        "otherMs",
        "requests",
        "bytes",
        "cacheHits",
      ]) {
        assert.equal(typeof get.fields![field], "number", field);
      }
      assert.ok((get.fields!.registryMs as number) > 0);
      assert.ok((get.fields!.bytes as number) > 0 && (get.fields!.bytes as number) < 100_000);
      const put = records.find((r) => r.message.startsWith("Dataset put with data ID calexp@"));
      assert.ok(put);
      assert.ok((put.fields!.bytes as number) > 0);
      assert.ok((put.fields!.registryMs as number) > 0);
      assert.ok((put.fields!.writeMs as number) > 0);
    },
  );
});

bothWays("put of a resolved ref", WRITES, (suite) => {
  suite.test("keeps its ID and run; the same ref again is refused", async ({ butler }) => {
    const type = await butler.registry.getDatasetType("calexp");
    const dataId = await butler.registry.expandDataId({ ...DATA_ID, detector: 23 });
    const given = new DatasetRef(type, dataId, RUN, { id: randomUUID() });
    const ref = await butler.put(exposure, given);
    assert.equal(ref.id, given.id);
    assert.equal(ref.run, RUN);
    assert.ok((await butler.get<Box2I>("calexp.bbox", { ...DATA_ID, detector: 23 })).equals(exposure.bbox));
    assert.equal((await butler.get<Box2I>(butler.componentRef(given, "bbox"))).equals(exposure.bbox), true);
    await assert.rejects(butler.put(exposure, given), ConflictingDefinitionError);
    const other = new DatasetRef(type, dataId, RUN, { id: randomUUID() });
    await assert.rejects(butler.put(exposure, other), ConflictingDefinitionError);
  });

  suite.test(
    "a component ref or a data ID beside the ref is refused before any write",
    async ({ butler }) => {
      const type = await butler.registry.getDatasetType("calexp");
      const dataId = await butler.registry.expandDataId({ ...DATA_ID, detector: 22 });
      const given = new DatasetRef(type, dataId, RUN, { id: randomUUID() });
      await assert.rejects(
        butler.put(exposure, butler.componentRef(given, "wcs")),
        (err: unknown) =>
          err instanceof InvalidArgumentError && /cannot store component calexp\.wcs/.test(err.message),
      );
      await assert.rejects(
        butler.put(exposure, "calexp.wcs", { ...DATA_ID, detector: 22 }),
        (err: unknown) =>
          err instanceof InvalidArgumentError && /cannot store component calexp\.wcs/.test(err.message),
      );
      await assert.rejects(butler.put(exposure, given, { detector: 22 }), InvalidArgumentError);
      assert.equal(await butler.exists(given), false);
    },
  );
});

bothWays("a get put back", WRITES, (suite) => {
  suite.before(async ({ butler }) => {
    await butler.put(exposure, "calexp", DATA_ID);
  });

  suite.test("a lazily read Exposure and cutout put back lose no archived object", async ({ butler }) => {
    const back = await butler.get<Exposure>("calexp", DATA_ID);
    const cut = await butler.get<Exposure>("calexp", DATA_ID, { parameters: { bbox: CUT } });
    assert.equal(back.info.loaded, false);
    await assert.rejects(back.info.load("pixels"), InvalidArgumentError);
    // Put fetches what the Exposure has not loaded (the whole archive) before writing it.
    await butler.put(back, "calexp", { ...DATA_ID, detector: 17 });
    await butler.put(cut, "calexp", { ...DATA_ID, detector: 18 });
    const whole = await butler.get<Exposure>("calexp", { ...DATA_ID, detector: 17 });
    const part = await butler.get<Exposure>("calexp", { ...DATA_ID, detector: 18 });
    await whole.info.load();
    await part.info.load();
    assert.ok(whole.equals(exposure));
    assert.ok(part.maskedImage.equals(exposure.maskedImage.subset(CUT)));
    assert.ok(part.info.equals(exposure.info));
    // Every archive object, nested ones included, row for row under the same ids.
    for (const info of [whole.info, part.info]) {
      assert.deepEqual([...info.archive.keys()], [...exposure.info.archive.keys()]);
      for (const [id, object] of exposure.info.archive) {
        assert.ok(archiveObjectsEqual(info.archive.get(id)!, object), `archive object ${id}`);
      }
    }
  });
});

bothWays("getMany", WRITES, (suite) => {
  const detectors = [16, 17, 18, 22, 23];
  suite.before(async ({ butler }) => {
    for (const detector of detectors) await butler.put(exposure, "calexp", { ...DATA_ID, detector });
  });

  suite.test("reads many data IDs in the order asked", async ({ butler }) => {
    const order = [23, 16, 18, 17, 22];
    const boxes = await butler.getMany<Box2I>(
      order.map((detector) => ({ datasetType: "calexp.bbox", dataId: { ...DATA_ID, detector } })),
      { concurrency: 2 },
    );
    assert.equal(boxes.length, order.length);
    for (const box of boxes) assert.ok(box.equals(exposure.bbox));
    const headers = await butler.getMany<Header>(
      order.map((detector) => ({ datasetType: "calexp.metadata", dataId: { ...DATA_ID, detector } })),
    );
    assert.ok(headers.every((h) => h instanceof Header));
  });

  suite.test(
    "streamDatasets gives the refs queryDatasets gives, then getMany reads them",
    async ({ butler }) => {
      const streamed: DatasetRef[] = [];
      for await (const ref of butler.streamDatasets("calexp", { orderBy: ["detector"] })) streamed.push(ref);
      assert.deepEqual(
        streamed.map((ref) => ref.dataId.get("detector")),
        [...detectors].sort((a, b) => a - b),
      );
      const queried = await butler.queryDatasets("calexp", { orderBy: ["detector"] });
      assert.deepEqual(
        streamed.map((ref) => ref.id),
        queried.map((ref) => ref.id),
      );
      const boxes = await butler.getMany<Box2I>(streamed.map((ref) => butler.componentRef(ref, "bbox")));
      assert.ok(boxes.every((box) => box.equals(exposure.bbox)));
    },
  );

  suite.directOnly(
    "counts the registry's find-first queries",
    "finds many data IDs with one find-first query",
    async (butler) => {
      let queries = 0;
      const registry = butler.registry;
      const real = registry.findFirstDatasets.bind(registry);
      registry.findFirstDatasets = (...args) => {
        queries++;
        return real(...args);
      };
      try {
        await butler.getMany<Box2I>(
          detectors.map((detector) => ({ datasetType: "calexp.bbox", dataId: { ...DATA_ID, detector } })),
          { concurrency: 2 },
        );
        assert.equal(queries, 1);
      } finally {
        registry.findFirstDatasets = real;
      }
    },
  );

  suite.test("refs and cutouts; a missing data ID fails before any read", async ({ butler }) => {
    const refs = await butler.queryDatasets("calexp", { collections: RUN, findFirst: true });
    assert.equal(refs.length, detectors.length);
    const box = Box2I.fromXYWH(20, 10, 4, 3);
    const cutouts = await butler.getMany<Exposure>(refs, { parameters: { bbox: box }, concurrency: 3 });
    assert.ok(cutouts.every((c) => c.bbox.equals(box)));
    await assert.rejects(
      butler.getMany([
        { datasetType: "calexp", dataId: DATA_ID },
        { datasetType: "calexp", dataId: { ...DATA_ID, detector: 100 } },
      ]),
      (err: unknown) => err instanceof DatasetNotFoundInCollectionsError && /detector: 100/.test(err.message),
    );
  });

  suite.test(
    "queryDatasets searches the butler's collections; the others pass through",
    async ({ butler }) => {
      const refs = await butler.queryDatasets("calexp", { where: "detector = 17" });
      assert.deepEqual(
        refs.map((r) => r.dataId.get("detector")),
        [17],
      );
      const dataIds = await butler.queryDataIds(["detector"], {
        where: "instrument = 'HSC' AND detector < 2",
      });
      assert.deepEqual(dataIds.map((d) => d.get("detector")).sort(), [0, 1]);
      const records = await butler.queryDimensionRecords("detector", {
        where: "instrument = 'HSC' AND detector = 16",
      });
      assert.equal(records[0]?.full_name, "0_30");
    },
  );
});

bothWays("errors that help", WRITES, (suite) => {
  suite.before(async ({ butler }) => {
    await butler.put(exposure, "calexp", DATA_ID);
  });

  suite.test("an unknown component lists the valid ones", async ({ butler }) => {
    await assert.rejects(butler.get("calexp.metadta", DATA_ID), (err: unknown) => {
      assert.ok(err instanceof UnknownComponentError);
      assert.equal(err.code, "UNKNOWN_COMPONENT");
      assert.match(
        err.message,
        /component 'metadta' is not understood by dataset type 'calexp' \(storage class ExposureF\)/,
      );
      assert.match(err.message, /did you mean 'metadata'\? Accepted components: .*metadata.*visitInfo/);
      return true;
    });
  });

  suite.test(
    "an unknown parameter lists the storage class's parameters (the seed's {test: '123'})",
    async ({ butler }) => {
      await assert.rejects(butler.get("calexp", DATA_ID, { parameters: { test: "123" } }), (err: unknown) => {
        assert.ok(err instanceof UnknownParameterError);
        assert.match(
          err.message,
          /'test' not understood by storage class ExposureF; accepted parameters: bbox, origin/,
        );
        return true;
      });
    },
  );

  suite.test("origin '123' names PARENT and LOCAL", async ({ butler }) => {
    await assert.rejects(
      butler.get("calexp", DATA_ID, { parameters: { origin: "123", bbox: [0, 0, 4, 4] } }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidParameterError);
        assert.equal(err.parameter, "origin");
        assert.match(err.message, /"PARENT", "LOCAL"; got the string "123"/);
        return true;
      },
    );
  });

  suite.test("a bbox outside the image shows both boxes", async ({ butler }) => {
    await assert.rejects(
      butler.get("calexp.image", DATA_ID, { parameters: { bbox: [0, 0, 10, 10] } }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidParameterError);
        assert.match(
          err.message,
          /Box2I\(minimum=Point2I\(0, 0\), dimensions=Extent2I\(11, 11\)\) \(PARENT\) is not inside/,
        );
        assert.match(err.message, /Box2I\(minimum=Point2I\(8, 4\), dimensions=Extent2I\(48, 24\)\)/);
        return true;
      },
    );
  });

  suite.test("parameters are checked before the registry is searched", async ({ butler }) => {
    // The data ID has no dataset: a parameter error, not a not-found error, proves the order.
    await assert.rejects(
      butler.get("calexp", { ...DATA_ID, detector: 100 }, { parameters: { test: 1 } }),
      UnknownParameterError,
    );
  });

  suite.test("a dataset not found names the type, data ID and collections searched", async ({ open }) => {
    const reader = await open({ collections: [RUN] });
    await assert.rejects(reader.get("calexp", { ...DATA_ID, detector: 100 }), (err: unknown) => {
      assert.ok(err instanceof DatasetNotFoundInCollectionsError);
      assert.equal(err.code, "DATASET_NOT_FOUND");
      assert.equal(err.datasetType, "calexp");
      assert.deepEqual(err.collections, [RUN]);
      assert.match(
        err.message,
        /dataset calexp with data ID \{instrument: 'HSC', visit: 903334, detector: 100\} could not be found in collections \[HSC\/runs\/test\]/,
      );
      return true;
    });
  });

  suite.test("an unregistered dataset type", async ({ butler }) => {
    await assert.rejects(butler.get("calexpp", DATA_ID), MissingDatasetTypeError);
    await assert.rejects(butler.put(exposure, "calexpp", DATA_ID), MissingDatasetTypeError);
  });

  suite.test(
    "a conflicting put names the dataset, data ID and run, and writes nothing",
    async ({ butler }) => {
      await assert.rejects(butler.put(exposure, "calexp", DATA_ID), (err: unknown) => {
        assert.ok(err instanceof ConflictingDefinitionError);
        assert.match(
          err.message,
          /a calexp dataset with data ID .*visit: 903334.* already exists in run 'HSC\/runs\/test'/,
        );
        return true;
      });
      assert.equal((await butler.queryDatasets("calexp", { collections: RUN, findFirst: true })).length, 1);
    },
  );

  suite.test("no run and no collections are NoDefaultCollectionErrors", async ({ open }) => {
    const bare = await open({ writeable: true });
    await assert.rejects(bare.put(exposure, "calexp", DATA_ID), (err: unknown) => {
      assert.ok(err instanceof NoDefaultCollectionError);
      assert.equal(err.what, "run");
      return true;
    });
    await assert.rejects(bare.get("calexp", DATA_ID), (err: unknown) => {
      assert.ok(err instanceof NoDefaultCollectionError);
      assert.equal(err.what, "collections");
      return true;
    });
    // Given in the call, they work.
    assert.ok(await bare.get("calexp.bbox", DATA_ID, { collections: RUN }));
  });
});
