/**
 * Streamed queries (datasets, data IDs, dimension records, header values, dataset associations): the
 * registry's queries with `where`, bind, order and limit, answered as JSON lines by streamRows.
 * Datasets, data IDs and records come from the registry's cursors a page at a time, so no result is
 * ever whole in memory; header values are read from files and sent when the scan ends, and dataset
 * associations (which take no `where`) are read in one statement and sent in pages.
 */
import type { FastifyInstance } from "fastify";
import { bindFromJson } from "../../client/bind-wire.ts";
import {
  type QueryDataIdsRequest,
  type QueryDatasetAssociationsRequest,
  type QueryDatasetsRequest,
  type QueryDimensionRecordsRequest,
  type QueryHeadersRequest,
  type QueryRequestBase,
  ROUTES,
} from "../../client/protocol.ts";
import { CollectionType, Timespan } from "../../core/index.ts";
import { ClientGoneError, InvalidArgumentError } from "../../errors/index.ts";
import { withQuerySignal } from "../../registry/cancellation.ts";
import type { QueryOptions } from "../../registry/queries/query-options.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import {
  COLLECTION_TYPES_SCHEMA,
  NAME_PATTERN_SCHEMA,
  QUERY_BASE_PROPERTIES,
  TIMESPAN_SCHEMA,
} from "../schemas.ts";
import { encodedChunks, streamRows } from "../stream.ts";
import { encodeDatasetAssociation, encodeDimensionRecord, encodeHeaderRow } from "../wire.ts";

const STREAM = { access: "read", stream: true } as const;

function bodySchema(properties: Record<string, unknown>, required: string[]) {
  return {
    body: {
      type: "object",
      properties: { ...QUERY_BASE_PROPERTIES, ...properties },
      required,
      additionalProperties: false,
    },
  };
}

/** The options every query shares, from the wire's names to the registry's. */
function queryOptions(body: QueryRequestBase): QueryOptions {
  return {
    ...(body.where === undefined ? {} : { where: body.where }),
    ...(body.bind === undefined ? {} : { bind: bindFromJson(body.bind) }),
    ...(body.data_id === undefined ? {} : { dataId: body.data_id }),
    ...(body.order_by === undefined ? {} : { orderBy: body.order_by }),
    ...(body.limit === undefined ? {} : { limit: body.limit }),
    ...(body.offset === undefined ? {} : { offset: body.offset }),
    ...(body.explain === undefined ? {} : { explain: body.explain }),
  };
}

/**
 * The dataset constraint of a data ID or record query. Without collections the served butler's
 * registry searches its defaults or refuses the query, as a local registry does.
 */
function datasetConstraints(body: { datasets?: string | string[]; collections?: string | string[] }) {
  if (body.datasets === undefined) return {};
  return {
    datasets: body.datasets,
    ...(body.collections === undefined ? {} : { collections: body.collections }),
  };
}

export function queryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: QueryDatasetsRequest }>(
    ROUTES.queryDatasets,
    {
      config: STREAM,
      schema: bodySchema(
        {
          dataset_type: NAME_PATTERN_SCHEMA,
          collections: NAME_PATTERN_SCHEMA,
          find_first: { type: "boolean" },
          timespan: TIMESPAN_SCHEMA,
        },
        ["dataset_type"],
      ),
    },
    async (request, reply) => {
      const { butler } = repositoryOf(ctx, request);
      const body = request.body;
      return streamRows(ctx, request, reply, async function* (signal) {
        const refs = butler.registry.streamDatasets(body.dataset_type, {
          ...queryOptions(body),
          ...(body.collections === undefined ? {} : { collections: body.collections }),
          ...(body.find_first === undefined ? {} : { findFirst: body.find_first }),
          ...(body.timespan === undefined || body.timespan === null
            ? {}
            : { timespan: Timespan.fromJSON(body.timespan) }),
          signal,
        });
        for await (const page of refs.pages(ctx.pageRows)) yield page.map((ref) => ref.toJSON());
      });
    },
  );
  app.post<{ Body: QueryDataIdsRequest }>(
    ROUTES.queryDataIds,
    {
      config: STREAM,
      schema: bodySchema(
        {
          dimensions: { type: "array", items: { type: "string" } },
          datasets: NAME_PATTERN_SCHEMA,
          collections: NAME_PATTERN_SCHEMA,
        },
        ["dimensions"],
      ),
    },
    async (request, reply) => {
      const { registry } = repositoryOf(ctx, request).butler;
      const body = request.body;
      return streamRows(ctx, request, reply, async function* (signal) {
        const dataIds = registry.streamDataIds(body.dimensions, {
          ...queryOptions(body),
          ...datasetConstraints(body),
          signal,
        });
        for await (const page of dataIds.pages(ctx.pageRows)) yield page.map((dataId) => dataId.toJSON());
      });
    },
  );
  app.post<{ Body: QueryDimensionRecordsRequest }>(
    ROUTES.queryDimensionRecords,
    {
      config: STREAM,
      schema: bodySchema(
        { element: { type: "string" }, datasets: NAME_PATTERN_SCHEMA, collections: NAME_PATTERN_SCHEMA },
        ["element"],
      ),
    },
    async (request, reply) => {
      const { registry } = repositoryOf(ctx, request).butler;
      const body = request.body;
      return streamRows(ctx, request, reply, async function* (signal) {
        const records = registry.streamDimensionRecords(body.element, {
          ...queryOptions(body),
          ...datasetConstraints(body),
          signal,
        });
        for await (const page of records.pages(ctx.pageRows)) yield page.map(encodeDimensionRecord);
      });
    },
  );
  app.post<{ Body: QueryHeadersRequest }>(
    ROUTES.queryHeaders,
    {
      config: STREAM,
      schema: bodySchema(
        {
          dataset_type: { type: "string" },
          collections: NAME_PATTERN_SCHEMA,
          keys: { type: "array", items: { type: "string" } },
          find_first: { type: "boolean" },
        },
        ["dataset_type"],
      ),
    },
    async (request, reply) => {
      const { butler } = repositoryOf(ctx, request);
      const body = request.body;
      return streamRows(ctx, request, reply, async function* (signal) {
        const { offset, ...options } = queryOptions(body);
        if (offset !== undefined)
          throw new InvalidArgumentError("a header query takes no offset; use limit and where");
        const scan = await withQuerySignal(signal, () =>
          butler.queryHeaders(body.dataset_type, {
            ...options,
            ...(body.collections === undefined ? {} : { collections: body.collections }),
            ...(body.keys === undefined ? {} : { keys: body.keys }),
            ...(body.find_first === undefined ? {} : { findFirst: body.find_first }),
            // Files are read one after another; stop reading them once the client has gone.
            onRead: () => {
              if (signal.aborted) throw new ClientGoneError();
            },
          }),
        );
        yield* encodedChunks(scan.rows, encodeHeaderRow, ctx.pageRows, signal);
      });
    },
  );
  app.post<{ Body: QueryDatasetAssociationsRequest }>(
    ROUTES.queryDatasetAssociations,
    {
      config: STREAM,
      schema: {
        body: {
          type: "object",
          properties: {
            dataset_type: { type: "string" },
            collections: NAME_PATTERN_SCHEMA,
            collection_types: COLLECTION_TYPES_SCHEMA,
            flatten_chains: { type: "boolean" },
          },
          required: ["dataset_type"],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { registry } = repositoryOf(ctx, request).butler;
      const body = request.body;
      return streamRows(ctx, request, reply, async function* (signal) {
        const associations = await withQuerySignal(signal, () =>
          registry.queryDatasetAssociations(body.dataset_type, {
            ...(body.collections === undefined ? {} : { collections: body.collections }),
            ...(body.collection_types === undefined
              ? {}
              : { collectionTypes: body.collection_types.map((t) => CollectionType.fromName(t)) }),
            ...(body.flatten_chains === undefined ? {} : { flattenChains: body.flatten_chains }),
          }),
        );
        yield* encodedChunks(associations, encodeDatasetAssociation, ctx.pageRows, signal);
      });
    },
  );
}
