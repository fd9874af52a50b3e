import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CollectionType, type DataCoordinate, type DatasetRef, Timespan } from "../../src/core/index.ts";
import { EmptyQueryResultError, ExpressionSyntaxError, InvalidQueryError } from "../../src/errors/index.ts";
import type { Registry } from "../../src/registry/index.ts";
import { importExport, parseExport } from "../../src/registry/interchange/index.ts";
import { Circle } from "../../src/sphgeom/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { bothWays, registryRepo } from "../support/both-ways.ts";
import { loadDatasets, makeChain, PEER_DATA } from "./registry-support.ts";

const RUN = "HSC/runs/ci_hsc/20240806T180642Z";

async function loadCiHsc(registry: Registry): Promise<void> {
  for (const name of ["ci_hsc-subset.yaml", "ci_hsc-subset-skymap.yaml"]) {
    await importExport(registry, parseExport(readFileSync(`${PEER_DATA}/${name}`, "utf8")));
  }
}

const values = (ids: readonly DataCoordinate[], key: string) => ids.map((d) => d.get(key));
const sorted = <T>(items: T[]) => [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const ids = (refs: readonly DatasetRef[]) => sorted(refs.map((r) => r.id));

/** The first calexp of RUN, tagged in `tagged`, which the chain `chain` searches before RUN. */
let target: DatasetRef;

bothWays(
  "registry queries",
  {
    make: registryRepo(async (registry) => {
      await loadCiHsc(registry);
      [target] = await registry.queryDatasets("calexp", { collections: RUN });
      await registry.registerCollection("tagged", CollectionType.TAGGED);
      await registry.associate("tagged", [target!]);
      await makeChain(registry, "chain", ["tagged", RUN]);
    }),
  },
  (suite) => {
    suite.test("data IDs of a dimension, with implied values filled in", async ({ butler: { registry } }) => {
      const visits = await registry.queryDataIds(["visit"]);
      assert.equal(visits.length, 11);
      for (const v of visits) {
        assert.ok(v.hasFull(), `${v} is full`);
        assert.equal(v.get("instrument"), "HSC");
      }
      const r = visits.filter((v) => v.get("band") === "r").length;
      assert.equal(r, 6);
    });

    suite.test(
      "where: comparisons, AND/OR/NOT, IN lists and ranges with strides",
      async ({ butler: { registry } }) => {
        const pick = async (where: string, bind?: Record<string, unknown>) =>
          sorted(
            values(await registry.queryDataIds(["visit"], { where, ...(bind ? { bind } : {}) }), "visit"),
          );
        assert.deepEqual(await pick("visit = 903334"), [903334]);
        assert.deepEqual(await pick("visit IN (903334..903338:2)"), [903334, 903336, 903338]);
        assert.deepEqual(await pick("visit IN (903334..903338:4, 903986)"), [903334, 903338, 903986]);
        assert.deepEqual(await pick("visit NOT IN (903334..904014) OR band = 'nothing'"), []);
        assert.deepEqual(await pick("band = 'i' AND NOT visit > 903988"), [903986, 903988]);
        assert.deepEqual(await pick("visit IN (:visits)", { visits: [903334, 903336, 1] }), [903334, 903336]);
        assert.deepEqual(await pick("visit = :v + 2", { v: 903334 }), [903336]);
        assert.deepEqual(await pick("visit.exposure_time > 100"), []);
        assert.deepEqual((await pick("physical_filter = 'HSC-I' AND visit.exposure_time >= 30")).length, 5);
      },
    );

    suite.test(
      "where: dimensions the result does not contain still constrain it",
      async ({ butler: { registry } }) => {
        const detectors = await registry.queryDataIds(["detector"], {
          where: "visit = 903334",
          datasets: "calexp",
          collections: RUN,
        });
        assert.ok(detectors.length > 0);
        for (const d of detectors) assert.deepEqual(d.dimensions.names, ["instrument", "detector"]);
        const refs = await registry.queryDatasets("calexp", { collections: RUN, where: "visit = 903334" });
        assert.deepEqual(
          sorted(values(detectors, "detector")),
          sorted(refs.map((r) => r.dataId.get("detector"))),
        );
      },
    );

    suite.test("alternate keys, element fields and GLOB", async ({ butler: { registry } }) => {
      const [byName] = await registry.queryDimensionRecords("detector", {
        where: "detector.full_name = '1_53'",
      });
      assert.equal(byName?.id, 0);
      const globbed = await registry.queryDimensionRecords("detector", {
        where: "GLOB(detector.full_name, '1_5?')",
      });
      assert.ok(globbed.length >= 1);
      for (const r of globbed) assert.match(String(r.full_name), /^1_5.$/);
      // GLOB is case sensitive and its other special characters are literal.
      assert.equal(
        (await registry.queryDimensionRecords("detector", { where: "GLOB(detector.full_name, '1_5[3]')" }))
          .length,
        0,
      );
      assert.equal(
        (await registry.queryDimensionRecords("visit", { where: "GLOB(visit.name, 'hsca*')" })).length,
        0,
      );
      assert.equal(
        (await registry.queryDimensionRecords("visit", { where: "GLOB(visit.name, 'HSCA*')" })).length,
        11,
      );
      const refs = await registry.queryDatasets("calexp", {
        collections: RUN,
        dataId: { instrument: "HSC", detector: "1_53" },
      });
      assert.ok(refs.length > 0);
      for (const ref of refs) assert.equal(ref.dataId.get("detector"), 0);
    });

    suite.test(
      "find-first over a chain: the first collection holding a data ID wins",
      async ({ butler: { registry } }) => {
        const all = await registry.queryDatasets("calexp", { collections: RUN });
        assert.equal(all.length, 33);
        const first = await registry.queryDatasets("calexp", { collections: "chain", findFirst: true });
        assert.equal(first.length, 33);
        assert.deepEqual(ids(first), ids(all));
        const some = await registry.queryDatasets("calexp", {
          collections: "chain",
          findFirst: true,
          where: "calexp.collection = 'tagged'",
        });
        assert.deepEqual(ids(some), [target.id]);
      },
    );

    suite.test(
      "dataset fields: dataset_id with UUID(), run, ingest_date, collection",
      async ({ butler: { registry } }) => {
        const [one] = await registry.queryDatasets("calexp", { collections: RUN, limit: 1 });
        const byId = await registry.queryDatasets("calexp", {
          collections: RUN,
          where: `dataset_id = UUID('${one!.id}')`,
        });
        assert.deepEqual(ids(byId), [one!.id]);
        const byString = await registry.queryDatasets("calexp", {
          collections: RUN,
          where: "calexp.dataset_id = :id",
          bind: { id: one!.id },
        });
        assert.deepEqual(ids(byString), [one!.id]);
        assert.equal(
          (
            await registry.queryDatasets("calexp", {
              collections: RUN,
              where: "calexp.run = :run",
              bind: { run: RUN },
            })
          ).length,
          33,
        );
        assert.equal(
          (await registry.queryDatasets("calexp", { collections: RUN, where: "ingest_date > T'2000-01-01'" }))
            .length,
          33,
        );
        assert.equal(
          (await registry.queryDatasets("calexp", { collections: RUN, where: "ingest_date < T'2000-01-01'" }))
            .length,
          0,
        );
      },
    );

    suite.test("orderBy, limit and offset", async ({ butler: { registry } }) => {
      const all = await registry.queryDataIds(["visit"], { orderBy: "-visit" });
      const numbers = values(all, "visit") as number[];
      assert.deepEqual(
        numbers,
        [...numbers].sort((a, b) => b - a),
      );
      const page = await registry.queryDataIds(["visit"], { orderBy: ["-visit"], limit: 3, offset: 2 });
      assert.deepEqual(values(page, "visit"), numbers.slice(2, 5));
      const byTime = await registry.queryDimensionRecords("visit", {
        orderBy: "visit.timespan.begin",
        limit: 2,
      });
      assert.ok((byTime[0]!.timespan as Timespan).beginNs <= (byTime[1]!.timespan as Timespan).beginNs);
      const refs = await registry.queryDatasets("calexp", {
        collections: RUN,
        findFirst: true,
        orderBy: ["visit", "-detector"],
        limit: 2,
      });
      assert.equal(refs.length, 2);
      assert.ok((refs[0]!.dataId.get("detector") as number) > (refs[1]!.dataId.get("detector") as number));
      await assert.rejects(registry.queryDataIds(["visit"], { limit: -1 }), InvalidQueryError);
    });

    suite.test("time literals and timespans", async ({ butler: { registry } }) => {
      const at = async (where: string) =>
        sorted(values(await registry.queryDataIds(["visit"], { where }), "visit"));
      assert.deepEqual(await at("visit.timespan OVERLAPS T'2013-06-17 13:29:20/tai'"), [903334]);
      assert.deepEqual(
        await at("visit.timespan OVERLAPS (T'2013-06-17 13:00:00/tai', T'2013-06-17 13:29:20/tai')"),
        [903334],
      );
      assert.deepEqual(await at("visit OVERLAPS T'2013-06-17 13:29:20/tai'"), [903334]);
      assert.equal((await at("visit.timespan > T'2013-11-01'")).length, 5);
      assert.equal((await at("visit.timespan < T'2013-11-01'")).length, 6);
      assert.equal((await at("visit.timespan.begin > T'mjd/56597.0'")).length, 5);
      const span = new Timespan(
        parseButlerTime("2013-06-17 13:00:00"),
        parseButlerTime("2013-06-17 13:29:20"),
      );
      const bound = await registry.queryDataIds(["visit"], {
        where: "visit.timespan OVERLAPS :span",
        bind: { span },
      });
      assert.deepEqual(values(bound, "visit"), [903334]);
    });

    suite.test(
      "regions: constant shapes, dimension regions and the automatic spatial join",
      async ({ butler: { registry } }) => {
        const [record] = await registry.queryDimensionRecords("visit_detector_region", {
          dataId: { instrument: "HSC", visit: 903334, detector: 16 },
        });
        const center = (record!.region as Circle).boundingCircle().center;
        const ra = (Math.atan2(center.y, center.x) * 180) / Math.PI + 360;
        const dec = (Math.asin(center.z) * 180) / Math.PI;
        const hits = await registry.queryDataIds(["visit", "detector"], {
          where: `visit_detector_region.region OVERLAPS POINT(${ra}, ${dec})`,
        });
        assert.ok(hits.some((d) => d.get("visit") === 903334 && d.get("detector") === 16));
        for (const hit of hits) {
          const [r] = await registry.queryDimensionRecords("visit_detector_region", { dataId: hit });
          assert.ok(
            (r!.region as Circle).overlaps(Circle.fromDegrees(ra, dec, 0)),
            `${hit} contains the point`,
          );
        }
        const far = await registry.queryDataIds(["visit"], { where: "visit OVERLAPS CIRCLE(10, 80, 1)" });
        assert.equal(far.length, 0);
        const near = await registry.queryDataIds(["visit"], {
          where: "visit.region OVERLAPS :c",
          bind: { c: Circle.fromDegrees(ra, dec, 0.1) },
        });
        assert.ok(near.length > 0);
        const pos = await registry.queryDataIds(["visit"], {
          where: `visit.region OVERLAPS REGION('CIRCLE ${ra} ${dec} 0.1')`,
        });
        assert.deepEqual(sorted(values(pos, "visit")), sorted(values(near, "visit")));
        const joined = await registry.queryDataIds(["visit", "tract"]);
        assert.equal(joined.length, 11);
        for (const d of joined) assert.equal(d.get("tract"), 0);
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "visit OVERLAPS POINT(1, 2) OR visit = 1" }),
          /only as a term joined to the rest by AND/,
        );
      },
    );

    suite.test(
      "errors name what was wrong and suggest what is accepted",
      async ({ butler: { registry } }) => {
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "vist = 1" }),
          /did you mean 'visit'\?/,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "visit.exposure_tim > 1" }),
          /did you mean 'exposure_time'\?/,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "visit = 'abc'" }),
          /type int with one of type string/,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "visit = :nope" }),
          /':nope' has no value/,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "visit = = 1" }),
          ExpressionSyntaxError,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "dataset_id = UUID('x')" }),
          ExpressionSyntaxError,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "dataset_id = 'x'" }),
          /searches no datasets/,
        );
        await assert.rejects(
          registry.queryDataIds(["visit"], { where: "FOO(visit)" }),
          /unknown function FOO/,
        );
      },
    );

    suite.test("explain: an empty result says why", async ({ butler: { registry } }) => {
      const reasons = async (promise: Promise<unknown>) => {
        const err = await promise.then(
          () => assert.fail("expected EmptyQueryResultError"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof EmptyQueryResultError, String(err));
        return err.reasons.join(" | ");
      };
      assert.match(
        await reasons(registry.queryDataIds(["visit"], { where: "visit > 999999", explain: true })),
        /where expression/,
      );
      assert.match(
        await reasons(registry.queryDatasets("calexp", { collections: "skymaps", explain: true })),
        /no datasets of type calexp in collections \[skymaps\]/,
      );
      assert.match(
        await reasons(
          registry.queryDatasets("calexp", {
            collections: RUN,
            dataId: { instrument: "HSC", visit: 1 },
            explain: true,
          }),
        ),
        /no visit record with visit = 1/,
      );
      assert.deepEqual(await registry.queryDataIds(["visit"], { where: "visit > 999999" }), []);
    });

    suite.test(
      "values are always bound: quotes in strings and binds cannot change the statement",
      async ({ butler: { registry } }) => {
        const attempts = ["x' OR '1'='1", "'; DROP TABLE visit; --", '" OR 1=1 --', "\\' OR 1=1"];
        for (const text of attempts) {
          assert.deepEqual(
            await registry.queryDimensionRecords("detector", {
              where: "detector.full_name = :n",
              bind: { n: text },
            }),
            [],
          );
          assert.deepEqual(
            await registry.queryDimensionRecords("visit", {
              where: "GLOB(visit.name, :p)",
              bind: { p: text },
            }),
            [],
          );
        }
        assert.equal((await registry.queryDataIds(["visit"])).length, 11);
      },
    );
  },
);

const t = (day: number) => parseButlerTime(`2020-01-${String(day).padStart(2, "0")}T00:00:00`);
/** The datasets of datasets.yaml; the bias of imported_g is certified in `calib` for 2020-01-01…10. */
let refs: DatasetRef[];
let bias: DatasetRef[];

bothWays(
  "registry queries over calibrations",
  {
    make: registryRepo(async (registry) => {
      refs = await loadDatasets(registry);
      await registry.registerCollection("calib", CollectionType.CALIBRATION);
      bias = refs.filter((r) => r.datasetType.name === "bias" && r.run === "imported_g");
      await registry.certify("calib", bias, new Timespan(t(1), t(10)));
    }),
  },
  (suite) => {
    suite.test(
      "calibration datasets: validity ranges by timespan, find-first with and without one",
      async ({ butler: { registry } }) => {
        const inside = await registry.queryDatasets("bias", {
          collections: "calib",
          findFirst: true,
          timespan: new Timespan(t(2), t(3)),
        });
        assert.deepEqual(ids(inside), ids(bias));
        const outside = await registry.queryDatasets("bias", {
          collections: "calib",
          findFirst: true,
          timespan: new Timespan(t(12), t(13)),
        });
        assert.equal(outside.length, 0);
        assert.equal(
          (await registry.queryDatasets("bias", { collections: "calib", findFirst: true })).length,
          0,
        );
        const every = await registry.queryDatasets("bias", { collections: "calib" });
        assert.deepEqual(ids(every), ids(bias));
        const valid = await registry.queryDatasets("bias", {
          collections: "calib",
          where: "bias.timespan OVERLAPS T'2020-01-05T00:00:00/tai'",
        });
        assert.deepEqual(ids(valid), ids(bias));
        const flats = await registry.queryDatasets("fl*", { collections: ["imported_g", "imported_r"] });
        assert.ok(flats.length > 0 && flats.every((r) => r.datasetType.name === "flat"));
        const records = await registry.queryDimensionRecords("detector", {
          datasets: "bias",
          collections: "imported_r",
          orderBy: "detector",
        });
        assert.deepEqual(
          records.map((r) => r.id),
          sorted(
            refs
              .filter((r) => r.datasetType.name === "bias" && r.run === "imported_r")
              .map((r) => r.dataId.get("detector") as number),
          ),
        );
        const bands = await registry.queryDataIds(["band"], {
          datasets: "flat",
          collections: ["imported_g", "imported_r"],
        });
        assert.ok(bands.length >= 1);
      },
    );
  },
);
