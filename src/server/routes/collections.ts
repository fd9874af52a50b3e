/** Collections: names with their type, chain children, documentation and summary; chains; summaries. */
import type { FastifyInstance } from "fastify";
import {
  type CollectionChainResponse,
  type CollectionInfo,
  type CollectionSummaryRequest,
  type CollectionSummaryResponse,
  type QueryCollectionInfoRequest,
  type QueryCollectionInfoResponse,
  ROUTES,
} from "../../client/protocol.ts";
import { CollectionType } from "../../core/index.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import { COLLECTION_TYPES_SCHEMA, NAME_PATTERN_SCHEMA } from "../schemas.ts";

export function collectionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: QueryCollectionInfoRequest }>(
    ROUTES.queryCollectionInfo,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: {
            pattern: NAME_PATTERN_SCHEMA,
            types: COLLECTION_TYPES_SCHEMA,
            flatten_chains: { type: "boolean" },
            include_chains: { type: "boolean" },
            include_summary: { type: "boolean" },
          },
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<QueryCollectionInfoResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      const body = request.body;
      const names = await registry.queryCollections(body.pattern ?? "*", {
        ...(body.types === undefined
          ? {}
          : { collectionTypes: body.types.map((t) => CollectionType.fromName(t)) }),
        ...(body.flatten_chains === undefined ? {} : { flattenChains: body.flatten_chains }),
        ...(body.include_chains === undefined ? {} : { includeChains: body.include_chains }),
      });
      const collections: CollectionInfo[] = [];
      for (const name of names) {
        const type = await registry.getCollectionType(name);
        const info: CollectionInfo = {
          name,
          type: type.name,
          doc: await registry.getCollectionDocumentation(name),
        };
        if (type === CollectionType.CHAINED) info.children = await registry.getCollectionChain(name);
        if (body.include_summary)
          info.dataset_types = (await registry.getCollectionSummary(name)).datasetTypes;
        collections.push(info);
      }
      return { collections };
    },
  );
  app.get<{ Params: { collection: string } }>(
    ROUTES.collectionChain,
    { config: { access: "read" } },
    async (request): Promise<CollectionChainResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      return { children: await registry.getCollectionChain(request.params.collection) };
    },
  );
  app.post<{ Body: CollectionSummaryRequest }>(
    ROUTES.collectionSummary,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: { collections: NAME_PATTERN_SCHEMA },
          required: ["collections"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<CollectionSummaryResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      const summary = await registry.getCollectionSummary(request.body.collections);
      return { dataset_types: summary.datasetTypes, governors: summary.governors };
    },
  );
}
