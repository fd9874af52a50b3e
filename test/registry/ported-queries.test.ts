// Behaviours daf_butler's query test suite (python/lsst/daf/butler/tests/butler_queries.py) checks
// on its exported test repositories, re-stated for our registry's queryDataIds / queryDatasets /
// queryDimensionRecords and `where` language. Each describe names the daf_butler test it ports; the
// expected answers are daf_butler's. Last: SQL injection through literals and bind values.
import assert from "node:assert/strict";
import { CollectionType, DatasetType, type DimensionRecord, Timespan } from "../../src/core/index.ts";
import { EmptyQueryResultError, ExpressionSyntaxError, InvalidQueryError } from "../../src/errors/index.ts";
import type { Registry } from "../../src/registry/index.ts";
import {
  Circle,
  encodeRegionHex,
  HtmPixelization,
  LonLat,
  parsePosRegion,
  type Region,
} from "../../src/sphgeom/index.ts";
import { timeFromDate, timeFromIso, timeToDate } from "../../src/time/index.ts";
import { bothWays, registryRepo } from "../support/both-ways.ts";
import {
  assertExplains,
  emptyReasons,
  idsOf,
  keysOf,
  loadPeer,
  missingPeer,
  valuesOf,
} from "./ported-support.ts";
import { makeChain } from "./registry-support.ts";

const BASE = missingPeer("base.yaml");
const DATASETS = missingPeer("base.yaml", "datasets.yaml");
const SPATIAL = missingPeer("base.yaml", "spatial.yaml");
const HSC = missingPeer("hsc-rc2-subset.yaml");
const CI_HSC = missingPeer("base.yaml", "ci_hsc-subset.yaml");
const CI_RUN = "HSC/runs/ci_hsc/20240806T180642Z";
const tai = (iso: string) => timeFromIso(iso, "tai");

/** Detector ids of records, in result order. */
const detectorIds = (records: readonly DimensionRecord[]) => records.map((r) => r.id as number);
const sortedIds = (records: readonly DimensionRecord[]) => detectorIds(records).sort((a, b) => a - b);

/** The level-9 pixels under four level-7 pixels near patch 4 of tract 0. */
const HTM9_PIXELS = [253953, 253954, 253955, 253956].flatMap((p7) =>
  Array.from({ length: 16 }, (_, i) => p7 * 16 + i),
);

/**
 * base.yaml and spatial.yaml, with reference catalogs in run `refcats`: `cat1` over 16 htm7 pixels
 * from 253952, `cat9` over HTM9_PIXELS.
 */
async function loadRefcats(registry: Registry): Promise<void> {
  await loadPeer(registry, "base.yaml", "spatial.yaml");
  const cat1 = DatasetType.fromNames("cat1", ["htm7"], "ArrowTable", registry.universe);
  const cat9 = DatasetType.fromNames("cat9", ["htm9"], "ArrowTable", registry.universe);
  await registry.registerDatasetType(cat1);
  await registry.registerDatasetType(cat9);
  await registry.registerRun("refcats");
  const htm7 = Array.from({ length: 16 }, (_, i) => 253952 + i);
  await registry.insertDatasets(
    cat1,
    htm7.map((pixel) => ({ htm7: pixel })),
    "refcats",
  );
  await registry.insertDatasets(
    cat9,
    HTM9_PIXELS.map((pixel) => ({ htm9: pixel })),
    "refcats",
  );
}

bothWays(
  "test_simple_record_query (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml")), skip: BASE },
  (suite) => {
    suite.test("detector records: order, limit and where", async ({ butler: { registry } }) => {
      const q = (options: Parameters<Registry["queryDimensionRecords"]>[1] = {}) =>
        registry.queryDimensionRecords("detector", options);
      const all = await q();
      assert.deepEqual(sortedIds(all), [1, 2, 3, 4]);
      assert.deepEqual(
        all
          .map((r) => [r.instrument, r.id, r.full_name, r.purpose])
          .sort((a, b) => (a[1] as number) - (b[1] as number)),
        [
          ["Cam1", 1, "Aa", "SCIENCE"],
          ["Cam1", 2, "Ab", "SCIENCE"],
          ["Cam1", 3, "Ba", "SCIENCE"],
          ["Cam1", 4, "Bb", "WAVEFRONT"],
        ],
      );
      assert.deepEqual(detectorIds(await q({ orderBy: "detector" })), [1, 2, 3, 4]);
      assert.deepEqual(detectorIds(await q({ orderBy: "-detector.full_name" })), [4, 3, 2, 1]);
      assert.deepEqual(detectorIds(await q({ orderBy: "detector", limit: 2 })), [1, 2]);
      assert.deepEqual(
        sortedIds(await q({ where: "detector.raft = 'B'", dataId: { instrument: "Cam1" } })),
        [3, 4],
      );
    });

    suite.test(
      "a bare field name resolves when one element of the query has it",
      async ({ butler: { registry } }) => {
        const q = (where: string) => registry.queryDimensionRecords("detector", { where });
        assert.deepEqual(sortedIds(await q("GLOB(full_name, '*a')")), [1, 3]);
        assert.deepEqual(sortedIds(await q("purpose = 'WAVEFRONT'")), [4]);
        await assert.rejects(
          registry.queryDataIds(["visit", "exposure"], { where: "exposure_time > 1" }),
          (err: unknown) =>
            err instanceof InvalidQueryError &&
            /'exposure_time' .* is ambiguous: .*accepted: exposure\.exposure_time, visit\.exposure_time/.test(
              err.message,
            ),
        );
      },
    );
  },
);

bothWays(
  "test_simple_data_coordinate_query (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml")), skip: BASE },
  (suite) => {
    suite.test("the empty data ID, and detector data IDs", async ({ butler: { registry } }) => {
      const empty = await registry.queryDataIds([]);
      assert.equal(empty.length, 1);
      assert.deepEqual(empty[0]!.toObject(), {});
      const detectors = await registry.queryDataIds(["detector"]);
      assert.deepEqual(
        detectors.map((d) => d.toObject()).sort((a, b) => (a.detector as number) - (b.detector as number)),
        [1, 2, 3, 4].map((detector) => ({ instrument: "Cam1", detector })),
      );
    });
  },
);

bothWays(
  "test_simple_dataset_query (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml")), skip: DATASETS },
  (suite) => {
    suite.test("biases of one run, ordered by detector", async ({ butler: { registry } }) => {
      const refs = await registry.queryDatasets("bias", { collections: "imported_g", orderBy: "detector" });
      assert.equal(refs.length, 3);
      assert.equal(refs[0]!.id, "e15ab039-bc8b-4135-87c5-90902a7c0b22");
      assert.equal(refs[1]!.id, "51352db4-a47a-447c-b12d-a50b206b17cd");
      refs.forEach((ref, i) => {
        assert.equal(ref.datasetType.name, "bias");
        assert.equal(ref.dataId.get("instrument"), "Cam1");
        assert.equal(ref.dataId.get("detector"), i + 1);
        assert.equal(ref.run, "imported_g");
      });
    });
  },
);

bothWays(
  "test_general_query (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml")), skip: DATASETS },
  (suite) => {
    suite.directOnly(
      "registry writes between its queries (associate, certify, registerCollection), which a remote registry does not offer",
      "data IDs, record fields and datasets in RUN, TAGGED and CALIBRATION collections",
      async ({ registry }) => {
        assert.deepEqual(
          (await registry.queryDataIds(["detector"], { orderBy: "detector" })).map((d) => d.toObject()),
          [1, 2, 3, 4].map((detector) => ({ instrument: "Cam1", detector })),
        );
        const records = await registry.queryDimensionRecords("detector", {
          orderBy: ["-detector.purpose", "full_name"],
        });
        assert.deepEqual(
          records.map((r) => [r.id, r.full_name, r.purpose]),
          [
            [4, "Bb", "WAVEFRONT"],
            [1, "Aa", "SCIENCE"],
            [2, "Ab", "SCIENCE"],
            [3, "Ba", "SCIENCE"],
          ],
        );
        assert.deepEqual(
          detectorIds(
            await registry.queryDimensionRecords("detector", {
              where: "instrument = 'Cam1' AND detector.purpose = 'WAVEFRONT'",
            }),
          ),
          [4],
        );
        // flat's dimensions include the implied band.
        const flatIds = await registry.queryDataIds(["detector", "physical_filter"], {
          datasets: "flat",
          collections: "imported_g",
          orderBy: "detector",
        });
        assert.deepEqual(
          flatIds.map((d) => d.toObject()),
          [2, 3, 4].map((detector) => ({
            instrument: "Cam1",
            detector,
            physical_filter: "Cam1-G",
            band: "g",
          })),
        );
        const flats = await registry.queryDatasets("flat", {
          collections: "imported_g",
          orderBy: "detector",
        });
        assert.deepEqual(idsOf(flats), [
          "60c8a65c-7290-4c38-b1de-e3b1cdcf872d",
          "84239e7f-c41f-46d5-97b9-a27976b98ceb",
          "fd51bce1-2848-49d6-a378-f8a122f5139a",
        ]);
        for (const ref of flats) assert.equal(ref.run, "imported_g");
        const [flat1, flat2, flat3] = flats as [(typeof flats)[0], (typeof flats)[0], (typeof flats)[0]];

        await registry.registerCollection("tagged", CollectionType.TAGGED);
        await registry.registerCollection("calib", CollectionType.CALIBRATION);
        await registry.associate("tagged", [flat1, flat2]);
        const [t1, t2, t3] = ["2020-01-01T01:00:00", "2020-01-01T02:00:00", "2020-01-01T03:00:00"].map(
          tai,
        ) as [bigint, bigint, bigint];
        await registry.certify("calib", [flat1], new Timespan(t1, t2));
        await registry.certify("calib", [flat3], new Timespan(t2, t3));
        await registry.certify("calib", [flat1], new Timespan(t3, null));
        // (daf_butler also certifies flat2 over an empty timespan, which our registry refuses.)
        assert.deepEqual(
          idsOf(await registry.queryDatasets("flat", { collections: ["tagged"] })),
          idsOf([flat1, flat2]),
        );
        assert.deepEqual(
          idsOf(await registry.queryDatasets("flat", { collections: ["calib"] })),
          idsOf([flat1, flat3]),
        );
        const spans = (list: Awaited<ReturnType<Registry["queryDatasetAssociations"]>>) =>
          list
            .map(
              (a) =>
                `${a.collection} ${a.timespan === null ? "-" : `${a.timespan.begin}..${a.timespan.end}`}`,
            )
            .sort();
        assert.deepEqual(spans(await registry.queryDatasetAssociations("flat", { collections: ["calib"] })), [
          `calib ${t1}..${t2}`,
          `calib ${t2}..${t3}`,
          `calib ${t3}..null`,
        ]);
        assert.deepEqual(
          spans(await registry.queryDatasetAssociations("flat", { collections: ["tagged", "calib"] })),
          [`calib ${t1}..${t2}`, `calib ${t2}..${t3}`, `calib ${t3}..null`, "tagged -", "tagged -"],
        );
      },
    );
  },
);

/** A time before the datasets of test_query_ingest_date were ingested. */
let beforeIngest: Date;

bothWays(
  "test_query_ingest_date (daf_butler butler_queries.py)",
  {
    make: registryRepo((registry) => {
      beforeIngest = new Date(Date.now() - 1);
      return loadPeer(registry, "base.yaml", "datasets.yaml");
    }),
    skip: DATASETS,
  },
  (suite) => {
    suite.test("ingest_date against a bound Date and an MJD literal", async ({ butler: { registry } }) => {
      const before = beforeIngest;
      const count = (where: string, bind?: Record<string, unknown>) =>
        registry
          .queryDataIds(["detector", "physical_filter"], {
            datasets: "flat",
            collections: "imported_g",
            where,
            ...(bind ? { bind } : {}),
          })
          .then((r) => r.length);
      assert.equal(await count("flat.ingest_date < before_ingest", { before_ingest: before }), 0);
      assert.equal(await count("flat.ingest_date >= before_ingest", { before_ingest: before }), 3);
      // TAI nanoseconds since 1970-01-01 (MJD 40587).
      const mjd = 40587 + Number(timeFromDate(before)) / 86_400e9;
      assert.equal(await count(`flat.ingest_date < T'mjd/${mjd}'`), 0);
    });
  },
);

bothWays(
  "test_implied_union_record_query (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml")), skip: BASE },
  (suite) => {
    suite.test("band records are the bands of physical_filter records", async ({ butler: { registry } }) => {
      const names = async (options: Parameters<Registry["queryDimensionRecords"]>[1] = {}) =>
        (await registry.queryDimensionRecords("band", options)).map((r) => r.name).sort();
      assert.deepEqual(await names(), ["g", "r"]);
      assert.deepEqual(await names({ dataId: { instrument: "Cam1", physical_filter: "Cam1-R1" } }), ["r"]);
    });
  },
);

bothWays(
  "test_dataset_constrained_record_query (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml")), skip: DATASETS },
  (suite) => {
    suite.directOnly(
      "registry writes between its queries (insertDimensionData, registerRun)",
      "detector records constrained by datasets",
      async ({ registry }) => {
        await registry.insertDimensionData("instrument", [{ name: "Cam2" }]);
        await registry.registerRun("empty");
        await makeChain(registry, "chain", ["imported_g", "empty", "imported_r"]);
        // Datasets without collections to find them in.
        await assert.rejects(
          registry.queryDimensionRecords("detector", { datasets: "bias" }),
          InvalidQueryError,
        );
        const q = (options: Parameters<Registry["queryDimensionRecords"]>[1]) =>
          registry.queryDimensionRecords("detector", options).then(sortedIds);
        assert.deepEqual(await q({ datasets: "bias", collections: ["imported_g"] }), [1, 2, 3]);
        // Two biases for detectors 2 and 3, but no duplicate records.
        const both = await registry.queryDimensionRecords("detector", {
          datasets: "bias",
          collections: ["imported_g", "imported_r"],
        });
        assert.deepEqual(detectorIds(both).sort(), [1, 2, 3, 4]);
        assert.deepEqual(
          await q({
            datasets: "bias",
            collections: "chain",
            dataId: { instrument: "Cam1" },
            where:
              "(bias.collection = 'imported_g' AND detector.raft = 'B') OR " +
              "(bias.collection = 'imported_r' AND detector.raft = 'A')",
          }),
          [2, 3],
        );
        assert.deepEqual(await q({ datasets: "flat", collections: ["imported_g"] }), [2, 3, 4]);
        assert.deepEqual(await q({ datasets: "flat", collections: ["imported_g"], where: "band = 'r'" }), []);
        assertExplains(
          await emptyReasons(() =>
            registry.queryDimensionRecords("detector", {
              datasets: "bias",
              collections: ["empty"],
              explain: true,
            }),
          ),
          "bias",
          "empty",
        );
        assert.deepEqual(
          await q({ datasets: "bias", collections: ["imported_g"], dataId: { instrument: "Cam2" } }),
          [],
        );
        assertExplains(
          await emptyReasons(() =>
            registry.queryDimensionRecords("detector", {
              datasets: "bias",
              collections: ["imported_g"],
              dataId: { instrument: "Cam2" },
              explain: true,
            }),
          ),
          "Cam2",
        );
      },
    );
  },
);

bothWays(
  "test_spatial_overlaps (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "spatial.yaml")), skip: SPATIAL },
  (suite) => {
    suite.test(
      "detector records overlapping sky pixels, patches and points",
      async ({ butler: { registry } }) => {
        const cam1 = { instrument: "Cam1", skymap: "SkyMap1" };
        const pixel = new HtmPixelization(7).pixel(253954);
        const detectors = (options: Parameters<Registry["queryDimensionRecords"]>[1]) =>
          registry.queryDimensionRecords("detector", options).then(sortedIds);
        // Detectors of visit 1 overlapping an explicit region, then the same pixel through its id.
        assert.deepEqual(
          await detectors({
            dataId: { ...cam1, visit: 1 },
            where: "visit_detector_region.region OVERLAPS pixel",
            bind: { pixel },
          }),
          [1, 3, 4],
        );
        assert.deepEqual(await detectors({ dataId: { ...cam1, visit: 1, htm7: 253954 } }), [1, 3, 4]);
        // Any visit: contributions from several visits, without duplicates.
        assert.deepEqual(
          await detectors({
            dataId: cam1,
            where: "visit_detector_region.region OVERLAPS :pixel",
            bind: { pixel },
          }),
          [1, 2, 3, 4],
        );
        // Detectors overlapping a patch: detector 4 shares a pixel with it but not any sky.
        assert.deepEqual(
          await detectors({
            dataId: { ...cam1, tract: 0, patch: 4 },
            where: "visit_detector_region.region OVERLAPS patch.region",
          }),
          [1, 2, 3],
        );
        const [patch] = await registry.queryDimensionRecords("patch", {
          dataId: { ...cam1, tract: 0, patch: 4 },
        });
        const patchRegion = patch!.region as Region;
        const overlapsPatch = { where: "visit_detector_region.region OVERLAPS r", bind: { r: patchRegion } };
        assert.deepEqual(await detectors({ dataId: cam1, ...overlapsPatch }), [1, 2, 3]);
        assert.deepEqual(
          detectorIds(
            await registry.queryDimensionRecords("detector", {
              dataId: cam1,
              ...overlapsPatch,
              orderBy: "-detector",
              limit: 2,
            }),
          ),
          [3, 2],
        );
        assert.deepEqual(await detectors({ dataId: { ...cam1, detector: 4 }, ...overlapsPatch }), []);

        // A point in the middle of visit 1, detector 3.
        const ra = 0.25209391431545386;
        const dec = 0.9269112711026793;
        const point = async (where: string, bind?: Record<string, unknown>) => {
          const found = await registry.queryDataIds(["visit", "detector"], {
            dataId: cam1,
            where,
            ...(bind ? { bind } : {}),
          });
          assert.deepEqual(keysOf(found, ["visit", "detector"]), [[1, 3]], where);
        };
        await point(`visit_detector_region.region OVERLAPS POINT(${ra}, ${dec})`);
        await point(`POINT(${ra}, ${dec}) OVERLAPS visit_detector_region.region`);
        await point(`visit_detector_region.region OVERLAPS POINT(${ra}, 1)`);
        await point("visit_detector_region.region OVERLAPS POINT(ra, dec)", { ra, dec });
        await point("visit_detector_region.region OVERLAPS my_point", {
          my_point: Circle.fromDegrees(ra, dec, 0),
        });
        await assert.rejects(
          registry.queryDataIds(["visit", "detector"], {
            dataId: cam1,
            where: `visit_detector_region.region OVERLAPS POINT(visit.id, ${dec})`,
          }),
          (e: Error) => e instanceof InvalidQueryError && /visit\.id/.test(e.message),
        );
        await assert.rejects(
          registry.queryDataIds(["visit", "detector"], {
            dataId: cam1,
            where: `visit_detector_region.region OVERLAPS POINT(${ra}, 'not-a-number')`,
          }),
          // Our parser already refuses it (daf_butler: InvalidQueryError).
          (e: Error) => e instanceof ExpressionSyntaxError && /POINT/.test(e.message),
        );
      },
    );
  },
);

bothWays(
  "test_common_skypix_overlaps (daf_butler butler_queries.py)",
  { make: registryRepo(loadRefcats), skip: SPATIAL },
  (suite) => {
    suite.test("htm7 data IDs of datasets overlapping a patch", async ({ butler: { registry } }) => {
      const [patch] = await registry.queryDimensionRecords("patch", {
        dataId: { skymap: "SkyMap1", tract: 0, patch: 4 },
      });
      const found = await registry.queryDataIds(["htm7"], {
        datasets: "cat1",
        collections: ["refcats"],
        where: "htm7.region OVERLAPS r",
        bind: { r: patch!.region },
      });
      assert.deepEqual(valuesOf(found, "htm7"), [253954, 253955]);
    });

    suite.test("htm7 data IDs joined to a patch", async ({ butler: { registry } }) => {
      const found = await registry.queryDataIds(["htm7"], {
        datasets: "cat1",
        collections: ["refcats"],
        dataId: { skymap: "SkyMap1", tract: 0, patch: 4 },
      });
      assert.deepEqual(valuesOf(found, "htm7"), [253954, 253955]);
    });
  },
);

bothWays(
  "sky pixels of other levels and as regions in where",
  { make: registryRepo(loadRefcats), skip: SPATIAL },
  (suite) => {
    suite.test(
      "htm9 datasets joined to a patch through the common htm7 pixels",
      async ({ butler: { registry } }) => {
        const pixels = HTM9_PIXELS;
        const patchId = { skymap: "SkyMap1", tract: 0, patch: 4 };
        const [patch] = await registry.queryDimensionRecords("patch", { dataId: patchId });
        const level9 = new HtmPixelization(9);
        const expected = pixels.filter((p) => (patch!.region as Region).overlaps(level9.pixel(p)));
        assert.ok(expected.length > 0 && expected.length < pixels.length);
        const joined = await registry.queryDataIds(["htm9"], {
          datasets: "cat9",
          collections: ["refcats"],
          dataId: patchId,
        });
        assert.deepEqual(valuesOf(joined, "htm9"), expected);
        const inWhere = await registry.queryDataIds(["htm9"], {
          datasets: "cat9",
          collections: ["refcats"],
          where: "htm9 OVERLAPS r",
          bind: { r: patch!.region },
        });
        assert.deepEqual(valuesOf(inWhere, "htm9"), expected);
      },
    );

    suite.test(
      "a pixel dimension stands for its region against a point",
      async ({ butler: { registry } }) => {
        const centre = LonLat.fromVector(new HtmPixelization(7).pixel(253953).centroid());
        const found = await registry.queryDataIds(["htm7"], {
          datasets: "cat1",
          collections: ["refcats"],
          where: `htm7 OVERLAPS POINT(${centre.lonDegrees}, ${centre.latDegrees})`,
        });
        assert.deepEqual(valuesOf(found, "htm7"), [253953]);
      },
    );
  },
);

bothWays(
  "test_spatial_constraint_queries (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.test("a visit constrains patches through its region", async ({ butler: { registry } }) => {
      const constraint = { dataId: { instrument: "HSC", visit: 318 } };
      assert.deepEqual(keysOf(await registry.queryDataIds(["patch"], constraint), ["tract", "patch"]), [
        [9813, 72],
      ]);
      const records = await registry.queryDimensionRecords("patch", constraint);
      assert.deepEqual(
        records.map((r) => [r.tract, r.id, encodeRegionHex(r.region as Region)]),
        [
          [
            9813,
            72,
            "70cc2b4a68b7ecebbf32d931ecb816df3fffe573df5ab9a93f6d2ac3c7faf9ebbf39dad585e2e6de3fa" +
              "88934c311b9a93f55833497bef8ebbf15b3fe207ce5de3fae43c0300f6eab3f3e8709597bebebbf77d66" +
              "efa5115df3f05874a255d6eab3f",
          ],
        ],
      );
    });
  },
);

bothWays(
  "test_timespan_results (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "spatial.yaml")), skip: SPATIAL },
  (suite) => {
    suite.test("visit records carry their timespans", async ({ butler: { registry } }) => {
      const visits = await registry.queryDimensionRecords("visit", { orderBy: "visit" });
      assert.deepEqual(
        visits.map((r) => [r.id, r.timespan?.begin, r.timespan?.end]),
        [
          [1, tai("2021-09-09T03:00:00"), tai("2021-09-09T03:01:00")],
          [2, tai("2021-09-09T03:02:00"), tai("2021-09-09T03:03:00")],
        ],
      );
    });
  },
);

bothWays(
  "test_column_expressions (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "spatial.yaml")), skip: SPATIAL },
  (suite) => {
    suite.test("comparisons, arithmetic, timespans and IN in where", async ({ butler: { registry } }) => {
      const cam1 = { instrument: "Cam1" };
      const detectors = (where: string) =>
        registry.queryDimensionRecords("detector", { dataId: cam1, where }).then(sortedIds);
      const visits = (where: string) =>
        registry.queryDimensionRecords("visit", { dataId: cam1, where }).then(sortedIds);
      assert.deepEqual(await detectors("NOT (detector != 2)"), [2]);
      assert.deepEqual(await detectors("2 = detector"), [2]);
      assert.deepEqual(await detectors("2 = detector + 1"), [1]);
      assert.deepEqual(await detectors("-detector = -3"), [3]);
      assert.deepEqual(await detectors("detector = 1 AND detector = 2"), []);
      // A timespan's begin is inclusive, its end exclusive.
      assert.deepEqual(await visits("visit.timespan OVERLAPS T'2021-09-09T03:00:00/tai'"), [1]);
      assert.deepEqual(await visits("visit.timespan OVERLAPS T'2021-09-09T03:01:00/tai'"), []);
      assert.deepEqual(await visits("visit.timespan OVERLAPS T'2021-09-09T03:02:30/tai'"), [2]);
      assert.deepEqual(await visits("visit.timespan OVERLAPS (T'2021-09-09T03:02:30/tai', NULL)"), [2]);
      assert.deepEqual(await visits("NOT (visit.timespan.end < T'2021-09-09T03:02:30/tai')"), [2]);
      assert.deepEqual(await visits("visit.timespan.begin > T'2021-09-09T03:01:30/tai'"), [2]);
      assert.deepEqual(await visits("(visit.exposure_time + -(5.0 * visit.zenith_angle)) > 0.0"), [1]);
      assert.deepEqual(await visits("visit.exposure_time - 5.0 >= 50.0"), [1]);
      assert.deepEqual(await visits("visit.id % 2 != 0"), [1]);
      assert.deepEqual(await visits("visit.zenith_angle / 5.0 <= 1.0"), [1]);
      assert.deepEqual(await detectors("detector IN (1, 3, 4)"), [1, 3, 4]);
      // daf_butler's in_range(start, stop, step) excludes stop; our ranges include it.
      assert.deepEqual(await detectors("detector IN (2..4)"), [2, 3, 4]);
      assert.deepEqual(await detectors("detector IN (1..2)"), [1, 2]);
      assert.deepEqual(await detectors("detector IN (1..4:2)"), [1, 3]);
      assert.deepEqual(await detectors("detector IN (1..1)"), [1]);
    });

    // daf_butler refuses a dimension in `where` whose governor (skymap, instrument) the query does not
    // constrain. We answer across every value of the governor instead, as registry queries always have,
    // so `visit = 903342` works without `instrument = 'HSC'` in a one-camera repository; each row
    // carries its governor, so the answer is never ambiguous.
    suite.test(
      "a tract without its skymap in where is answered across skymaps (daf_butler refuses it)",
      async ({ butler: { registry } }) => {
        const patches = await registry.queryDimensionRecords("patch", { where: "tract = 0" });
        assert.ok(patches.length > 0);
        assert.ok(patches.every((p) => p.skymap === "SkyMap1" && p.tract === 0));
      },
    );
  },
);

bothWays(
  "test_boolean_columns (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.directOnly(
      "registry writes between its queries (insertDimensionData)",
      "boolean record fields as conditions",
      async ({ registry }) => {
        const base = { instrument: "HSC", physical_filter: "HSC-R", group: "903342", day_obs: 20130617 };
        await registry.insertDimensionData("exposure", [
          { ...base, id: 1000, obs_id: "true-1", can_see_sky: true },
          { ...base, id: 2001, obs_id: "false-1", can_see_sky: false, observation_type: "science" },
          { ...base, id: 2002, obs_id: "false-2", can_see_sky: false, observation_type: null },
          { ...base, id: 3000, obs_id: "null-1", can_see_sky: null },
        ]);
        const exposures = (where: string) =>
          registry
            .queryDimensionRecords("exposure", { dataId: { instrument: "HSC" }, where })
            .then((r) => r.map((x) => x.id as number).sort((a, b) => a - b));
        assert.deepEqual(await exposures("exposure.can_see_sky"), [1000]);
        // NOT NULL is NULL: unknown values are in neither.
        assert.deepEqual(await exposures("NOT exposure.can_see_sky"), [2001, 2002]);
        assert.deepEqual(await exposures("exposure.can_see_sky OR exposure = 2001"), [1000, 2001]);
      },
    );
  },
);

bothWays(
  "test_dataset_region_queries (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "ci_hsc-subset.yaml")), skip: CI_HSC },
  (suite) => {
    suite.test(
      "calexps whose detector regions overlap IVOA POS regions",
      async ({ butler: { registry } }) => {
        const refs = await registry.queryDatasets("calexp", { collections: CI_RUN });
        assert.equal(refs.length, 33);
        // The first data ID in required-value order: (instrument, detector, visit).
        const first = [...refs].sort((a, b) => {
          const x = a.dataId.requiredValues as (string | number)[];
          const y = b.dataId.requiredValues as (string | number)[];
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
          return 0;
        })[0]!;
        const [visit] = await registry.queryDimensionRecords("visit", {
          dataId: { instrument: "HSC", visit: first.dataId.get("visit")! },
        });
        const detectorRegions = await registry.queryDimensionRecords("visit_detector_region", {
          dataId: first.dataId.toObject(),
        });
        assert.equal(detectorRegions.length, 1);
        const count = async (region: unknown) =>
          (
            await registry.queryDatasets("calexp", {
              collections: CI_RUN,
              where: "instrument = 'HSC' AND visit_detector_region.region OVERLAPS(POS)",
              bind: { POS: region },
            })
          ).length;
        for (const [pos, expected] of [
          ["CIRCLE 320. -0.25 10.", 33],
          ["CIRCLE 321.0 -0.4 0.01", 1],
          ["CIRCLE 321.1 -0.35 0.02", 2],
          ["CIRCLE 321.1 -0.48 0.05", 1],
          ["CIRCLE 321.0 -0.5 0.01", 0],
        ] as const) {
          assert.equal(await count(parsePosRegion(pos)), expected, pos);
        }
        assert.equal(await count(visit!.region), 33);
        assert.equal(await count(detectorRegions[0]!.region), 17);
      },
    );
  },
);

bothWays(
  "test_dataset_time_queries (daf_butler butler_queries.py)",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "ci_hsc-subset.yaml")), skip: CI_HSC },
  (suite) => {
    suite.test("calexps whose visits overlap times and timespans", async ({ butler: { registry } }) => {
      const v903334pre = tai("2013-01-01T12:00:00");
      const v903334mid = tai("2013-06-17T13:29:20");
      const v904014pre = tai("2013-11-01T12:00:00");
      const v904014post = tai("2013-12-21T12:00:00");
      const count = async (where: string, bind: Record<string, unknown>) =>
        (
          await registry.queryDatasets("calexp", {
            collections: CI_RUN,
            where: `instrument = 'HSC' AND ${where}`,
            bind,
          })
        ).length;
      assert.equal(await count("visit.timespan OVERLAPS(ts)", { ts: timeToDate(v903334mid) }), 4);
      assert.equal(
        await count("visit.timespan OVERLAPS(t1, t2)", {
          t1: timeToDate(v903334pre),
          t2: timeToDate(v904014pre),
        }),
        17,
      );
      assert.equal(
        await count("visit.timespan OVERLAPS(ts)", { ts: new Timespan(v904014pre, v904014post) }),
        16,
      );
    });
  },
);

bothWays(
  "SQL injection through where literals and bind values",
  { make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml")), skip: DATASETS },
  (suite) => {
    suite.test(
      "values are bound: the tables survive, and queries find nothing or fail with a typed error",
      async ({ butler: { registry } }) => {
        const payloads = [
          "x' OR '1'='1",
          "Cam1' OR 1=1 --",
          "'; DROP TABLE detector; --",
          "Cam1'); DELETE FROM dataset; --",
          '" OR ""="',
          "\\'; DROP TABLE collection; --",
          "Cam1\u0000' OR 'a'='a",
        ];
        const quoted = (text: string) => `'${text.replaceAll("'", "\\'")}'`;
        const typed = (e: unknown) => e instanceof InvalidQueryError || e instanceof EmptyQueryResultError;
        for (const text of payloads) {
          // Through bind values, bare and with a colon, in comparisons, IN lists and GLOB.
          const attempts: (() => Promise<unknown[]>)[] = [
            () =>
              registry.queryDimensionRecords("detector", {
                where: "detector.full_name = v",
                bind: { v: text },
              }),
            () =>
              registry.queryDimensionRecords("detector", {
                where: "detector.full_name = :v",
                bind: { v: text },
              }),
            () =>
              registry.queryDimensionRecords("detector", {
                where: "detector.raft IN (:v)",
                bind: { v: [text, "Z"] },
              }),
            () =>
              registry.queryDimensionRecords("detector", {
                where: "GLOB(detector.full_name, :v)",
                bind: { v: text },
              }),
            () => registry.queryDatasets("bias", { collections: "*", where: "run = :v", bind: { v: text } }),
            () =>
              registry.queryDatasets("bias", {
                collections: "*",
                where: "dataset_id = :v",
                bind: { v: text },
              }),
            () => registry.queryDataIds(["detector"], { where: "instrument = :v", bind: { v: text } }),
            // Through string literals of the expression itself.
            () =>
              registry.queryDimensionRecords("detector", { where: `detector.full_name = ${quoted(text)}` }),
            () => registry.queryDatasets("bias", { collections: "*", where: `run = ${quoted(text)}` }),
            // Through data ID values.
            () =>
              registry.queryDimensionRecords("detector", {
                dataId: { instrument: "Cam1", "detector.full_name": text },
              }),
          ];
          for (const attempt of attempts) {
            try {
              assert.deepEqual(await attempt(), [], text);
            } catch (err) {
              // A literal the grammar rejects, or a governor value that does not exist, is fine.
              assert.ok(
                typed(err) ||
                  (err as Error).name === "DataIdValueError" ||
                  err instanceof ExpressionSyntaxError,
                `${text}: ${err}`,
              );
            }
          }
        }
        // Everything is still there.
        assert.equal((await registry.queryDimensionRecords("detector")).length, 4);
        assert.equal((await registry.queryDatasets("*", { collections: "*" })).length, 13);
        assert.deepEqual((await registry.queryCollections()).sort(), ["imported_g", "imported_r"]);
      },
    );
  },
);
