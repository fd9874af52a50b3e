/**
 * The server's non-streamed routes over real HTTP, on SQLite and PostgreSQL registries: what they
 * answer, typed 422 errors with the caret line, the id limit, request ids, 404s, and 500s that leak
 * nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { DEMO_CALIB, DEMO_CHAIN, DEMO_INSTRUMENT, DEMO_RUN } from "../../src/demo/demo-survey.ts";
import { CALEXPS, enabledDialects, get, jsonLines, post, type Served, serveDemo } from "./server-support.ts";

for (const dialect of enabledDialects()) {
  describe(`server routes [${dialect}]`, () => {
    let served: Served;
    let calexpIds: string[];
    before(async () => {
      served = await serveDemo(dialect, {
        maxIds: 50,
        plugins: [
          async (app: FastifyInstance) => {
            app.get("/internal-failure", { config: { access: "public" } }, async () => {
              throw new Error("password=hunter2 at db.internal:5432");
            });
            app.get("/limited", { config: { access: "public" } }, async () => {
              throw Object.assign(new Error("two at a time"), {
                statusCode: 429,
                errorType: "TOO_MANY_STREAMS",
                headers: { "Retry-After": 3 },
              });
            });
          },
        ],
      });
      const response = await fetch(`${served.base}/v1/query/datasets`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataset_type: "calexp", collections: DEMO_RUN }),
      });
      calexpIds = jsonLines(await response.text())
        .flatMap((l) => (l.type === "page" ? l.rows : []))
        .map((r) => r.id);
      assert.equal(calexpIds.length, CALEXPS);
    });
    after(() => served?.close());

    test("health and client config need no repository work; unknown repositories are 404", async () => {
      const health = await get(`${served.base}/`);
      assert.equal(health.status, 200);
      assert.equal(health.body.name, "main");
      assert.match(health.body.version, /^\d+\.\d+\.\d+/);
      assert.deepEqual((await get(`${served.base}/butler.json`)).body, { url: served.base });
      const missing = await get(`${served.origin}/api/butler/repo/other/v1/universe`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_type, "NOT_FOUND");
      assert.match(missing.body.detail, /no repository named 'other'/);
      const noRoute = await get(`${served.base}/v1/nothing-here`);
      assert.equal(noRoute.status, 404);
      assert.equal(noRoute.body.error_type, "NOT_FOUND");
    });

    test("the client's request id is echoed; without one the server makes one", async () => {
      const id = "3f1c2a9e-0d4b-4c6e-9a51-2b7d8e6f4a10";
      const echoed = await get(`${served.base}/`, { "x-butler-client-request-id": id });
      assert.equal(echoed.headers.get("x-request-id"), id);
      const made = await get(`${served.base}/`);
      assert.match(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
      const hostile = await get(`${served.base}/`, { "x-butler-client-request-id": "a b\tc" });
      assert.notEqual(hostile.headers.get("x-request-id"), "a b\tc");
    });

    test("the universe is the config the registry's universe was built from", async () => {
      const universe = await get(`${served.base}/v1/universe`);
      assert.equal(universe.status, 200);
      assert.deepEqual(universe.body, JSON.parse(JSON.stringify(served.butler.registry.universe.config)));
    });

    test("dataset types: one by name (422 for an unknown one), or by pattern", async () => {
      const calexp = await get(`${served.base}/v1/dataset_type/calexp`);
      assert.equal(calexp.status, 200);
      assert.equal(calexp.body.name, "calexp");
      assert.equal(calexp.body.storageClass, "ExposureF");
      const unknown = await get(`${served.base}/v1/dataset_type/calexpp`);
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.error_type, "MISSING_DATASET_TYPE");
      assert.match(unknown.body.detail, /calexpp/);
      const listed = await post(`${served.base}/v1/query_dataset_types`, { pattern: ["*a*", "nope"] });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.dataset_types.map((t: { name: string }) => t.name).sort(), [
        "bias",
        "calexp",
        "flat",
      ]);
      assert.deepEqual(listed.body.missing, ["nope"]);
    });

    test("collections: types, chain children, documentation and summaries", async () => {
      const info = await post(`${served.base}/v1/query_collection_info`, { include_summary: true });
      assert.equal(info.status, 200);
      const byName = new Map(info.body.collections.map((c: { name: string }) => [c.name, c]));
      assert.deepEqual(byName.get(DEMO_CHAIN), {
        name: DEMO_CHAIN,
        type: "CHAINED",
        doc: null,
        children: [DEMO_RUN, DEMO_CALIB],
        dataset_types: ["bias", "calexp", "flat"],
      });
      assert.deepEqual((byName.get(DEMO_RUN) as { dataset_types: string[] }).dataset_types, ["calexp"]);
      const runs = await post(`${served.base}/v1/query_collection_info`, {
        types: ["RUN"],
        pattern: "DemoCam/runs/*",
      });
      assert.deepEqual(
        runs.body.collections.map((c: { name: string }) => c.name),
        [DEMO_RUN],
      );
      const chain = await get(`${served.base}/v1/collection_chain/${encodeURIComponent(DEMO_CHAIN)}`);
      assert.deepEqual(chain.body, { children: [DEMO_RUN, DEMO_CALIB] });
      const summary = await post(`${served.base}/v1/collection_summary`, { collections: DEMO_RUN });
      assert.deepEqual(summary.body.dataset_types, ["calexp"]);
      assert.deepEqual(summary.body.governors.instrument, [DEMO_INSTRUMENT]);
      const badType = await post(`${served.base}/v1/query_collection_info`, { types: ["RUNS"] });
      assert.equal(badType.status, 422);
      assert.equal(badType.body.error_type, "COLLECTION_TYPE");
    });

    test("find_dataset, dataset by id, and data ID expansion", async () => {
      const ref = (await get(`${served.base}/v1/dataset/${calexpIds[0]}`)).body.dataset_ref;
      assert.equal(ref.id, calexpIds[0]);
      const found = await post(`${served.base}/v1/find_dataset`, {
        dataset_type: "calexp",
        data_id: { instrument: DEMO_INSTRUMENT, visit: ref.dataId.visit, detector: ref.dataId.detector },
      });
      assert.equal(found.status, 200);
      assert.deepEqual(found.body.dataset_ref, ref);
      const component = await post(`${served.base}/v1/find_dataset`, {
        dataset_type: "calexp.wcs",
        data_id: { instrument: DEMO_INSTRUMENT, visit: ref.dataId.visit, detector: ref.dataId.detector },
        collections: [DEMO_RUN],
      });
      assert.equal(component.body.dataset_ref.datasetType.name, "calexp.wcs");
      const none = await post(`${served.base}/v1/find_dataset`, {
        dataset_type: "calexp",
        data_id: { instrument: DEMO_INSTRUMENT, visit: ref.dataId.visit, detector: 99 },
      });
      assert.equal(none.status, 200);
      assert.equal(none.body.dataset_ref, null);
      const unknownId = await get(`${served.base}/v1/dataset/00000000-0000-0000-0000-000000000000`);
      assert.deepEqual(unknownId.body, { dataset_ref: null });
      const badId = await get(`${served.base}/v1/dataset/not-a-uuid`);
      assert.equal(badId.status, 422);
      assert.equal(badId.body.error_type, "INVALID_DATASET_ID");
      const expanded = await post(`${served.base}/v1/expand_data_id`, {
        data_id: { instrument: DEMO_INSTRUMENT, visit: ref.dataId.visit },
      });
      assert.equal(expanded.status, 200);
      assert.equal(expanded.body.data_id.band, ref.dataId.band);
      assert.equal(expanded.body.data_id.physical_filter, ref.dataId.physical_filter);
      // The records of the data ID's elements come along, as a local expansion attaches them.
      assert.equal(expanded.body.records.physical_filter.band, ref.dataId.band);
      assert.equal(expanded.body.records.visit.id, ref.dataId.visit);
      const unknownVisit = await post(`${served.base}/v1/expand_data_id`, {
        data_id: { instrument: DEMO_INSTRUMENT, visit: 1 },
      });
      assert.equal(unknownVisit.status, 422);
      assert.equal(unknownVisit.body.error_type, "DIMENSION_RECORD_NOT_FOUND");
      assert.equal(unknownVisit.body.element, "visit");
    });

    test("datasets in bulk: request order, unknown ids left out, at most maxIds", async () => {
      const unknown = "00000000-0000-0000-0000-000000000001";
      const ids = [calexpIds[2]!, unknown, calexpIds[0]!.toUpperCase(), calexpIds[2]!];
      const bulk = await post(`${served.base}/v1/datasets`, { dataset_ids: ids });
      assert.equal(bulk.status, 200);
      assert.deepEqual(
        bulk.body.dataset_refs.map((r: { id: string }) => r.id),
        [calexpIds[2], calexpIds[0]],
      );
      const tooMany = await post(`${served.base}/v1/datasets`, {
        dataset_ids: Array.from({ length: 51 }, () => unknown),
      });
      assert.equal(tooMany.status, 422);
      assert.equal(tooMany.body.error_type, "INVALID_ARGUMENT");
      assert.match(tooMany.body.detail, /50/);
    });

    test("a bad where is a 422 with the expression's caret line", async () => {
      const bad = await post(`${served.base}/v1/query/datasets`, {
        dataset_type: "calexp",
        collections: DEMO_RUN,
        where: "visit > AND detector = 1",
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.headers.get("content-type")?.startsWith("application/json"), true);
      assert.equal(bad.body.error_type, "EXPRESSION_SYNTAX");
      const lines = bad.body.detail.split("\n");
      assert.equal(lines.at(-2), "visit > AND detector = 1");
      assert.match(lines.at(-1), /^ {8}\^/);
    });

    test("malformed bodies are 422 naming the problem; internal failures are 500 without details", async () => {
      const missing = await post(`${served.base}/v1/find_dataset`, { data_id: {} });
      assert.equal(missing.status, 422);
      assert.match(missing.body.detail, /dataset_type/);
      const extra = await post(`${served.base}/v1/datasets`, { dataset_ids: [], ids: [] });
      assert.equal(extra.status, 422);
      const notJson = await fetch(`${served.base}/v1/datasets`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{",
      });
      assert.equal(notJson.status, 400);
      assert.equal(((await notJson.json()) as { error_type: string }).error_type, "BAD_REQUEST");
      const huge = await post(`${served.base}/v1/datasets`, { dataset_ids: ["x".repeat(5 * 1024 * 1024)] });
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error_type, "REQUEST_TOO_LARGE");
      const limited = await get(`${served.origin}/limited`);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "3");
      assert.deepEqual(limited.body, { error_type: "TOO_MANY_STREAMS", detail: "two at a time" });
      const failure = await get(`${served.origin}/internal-failure`, {
        "x-butler-client-request-id": "req-1",
      });
      assert.equal(failure.status, 500);
      assert.deepEqual(failure.body, {
        error_type: "INTERNAL",
        detail: "internal server error (request id req-1)",
      });
    });

    test("the OpenAPI document lists every route with its body schema", async () => {
      const doc = await get(`${served.origin}/api/butler/openapi.json`);
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, "3.1.0");
      const paths = doc.body.paths;
      for (const path of [
        "/api/butler/repo/{name}/v1/universe",
        "/api/butler/repo/{name}/v1/find_dataset",
        "/api/butler/repo/{name}/v1/query/datasets",
        "/api/butler/repo/{name}/v1/query/dataset_associations",
        "/api/butler/repo/{name}/v1/get_file",
        "/api/butler/repo/{name}/v1/bytes/{path}",
      ]) {
        assert.ok(paths[path], `${path} is documented`);
      }
      const find = paths["/api/butler/repo/{name}/v1/find_dataset"].post;
      assert.deepEqual(find.requestBody.content["application/json"].schema.required, [
        "dataset_type",
        "data_id",
      ]);
      assert.equal(
        paths["/api/butler/repo/{name}/v1/query/datasets"].post.responses["200"].content[
          "application/jsonlines"
        ] !== undefined,
        true,
      );
      const associations = paths["/api/butler/repo/{name}/v1/query/dataset_associations"].post;
      assert.deepEqual(associations.requestBody.content["application/json"].schema.required, [
        "dataset_type",
      ]);
      assert.ok(associations.responses["200"].content["application/jsonlines"]);
      assert.equal(associations["x-access"], "read");
    });
  });
}
