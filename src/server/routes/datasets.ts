/** Datasets: a find-first lookup, one or many by id, and data ID expansion. */
import type { FastifyInstance } from "fastify";
import {
  type DatasetResponse,
  type DatasetsRequest,
  type DatasetsResponse,
  type ExpandDataIdRequest,
  type ExpandDataIdResponse,
  type FindDatasetRequest,
  type FindDatasetResponse,
  ROUTES,
} from "../../client/protocol.ts";
import { normalizeUuid, Timespan } from "../../core/index.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import { DATA_ID_SCHEMA, datasetIdsSchema, NAME_PATTERN_SCHEMA, TIMESPAN_SCHEMA } from "../schemas.ts";
import { encodeDimensionRecord } from "../wire.ts";

export function datasetRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: FindDatasetRequest }>(
    ROUTES.findDataset,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: {
            dataset_type: { type: "string" },
            data_id: DATA_ID_SCHEMA,
            collections: NAME_PATTERN_SCHEMA,
            timespan: TIMESPAN_SCHEMA,
          },
          required: ["dataset_type", "data_id"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<FindDatasetResponse> => {
      const { butler } = repositoryOf(ctx, request);
      const body = request.body;
      // As a local registry: no collections means the served butler's defaults, else an invalid query.
      const ref = await butler.registry.findDataset(body.dataset_type, body.data_id, {
        ...(body.collections === undefined ? {} : { collections: body.collections }),
        ...(body.timespan === undefined || body.timespan === null
          ? {}
          : { timespan: Timespan.fromJSON(body.timespan) }),
      });
      return { dataset_ref: ref === null ? null : ref.toJSON() };
    },
  );
  app.get<{ Params: { id: string } }>(
    ROUTES.dataset,
    { config: { access: "read" } },
    async (request): Promise<DatasetResponse> => {
      const ref = await repositoryOf(ctx, request).butler.registry.getDataset(request.params.id);
      return { dataset_ref: ref === null ? null : ref.toJSON() };
    },
  );
  app.post<{ Body: DatasetsRequest }>(
    ROUTES.datasets,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: { dataset_ids: datasetIdsSchema(ctx.maxIds) },
          required: ["dataset_ids"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<DatasetsResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      const found = await registry.getDatasets(request.body.dataset_ids);
      // In request order, each once.
      const ids = new Set(request.body.dataset_ids.map((id) => normalizeUuid(id)));
      const refs = [...ids].flatMap((id) => {
        const ref = found.get(id);
        return ref === undefined ? [] : [ref.toJSON()];
      });
      return { dataset_refs: refs };
    },
  );
  app.post<{ Body: ExpandDataIdRequest }>(
    ROUTES.expandDataId,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: { data_id: DATA_ID_SCHEMA, dimensions: { type: "array", items: { type: "string" } } },
          required: ["data_id"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<ExpandDataIdResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      const expanded = await registry.expandDataId(request.body.data_id, {
        ...(request.body.dimensions === undefined ? {} : { dimensions: request.body.dimensions }),
      });
      const records: ExpandDataIdResponse["records"] = {};
      for (const element of expanded.dimensions.elements) {
        const record = expanded.record(element);
        records[element] = record === null ? null : encodeDimensionRecord(record);
      }
      return { data_id: expanded.toJSON(), records };
    },
  );
}
