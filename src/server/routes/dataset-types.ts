/** Dataset types: one by name, or those matching a pattern. */
import type { FastifyInstance } from "fastify";
import {
  type DatasetTypeResponse,
  type QueryDatasetTypesRequest,
  type QueryDatasetTypesResponse,
  ROUTES,
} from "../../client/protocol.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import { NAME_PATTERN_SCHEMA } from "../schemas.ts";

export function datasetTypeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { datasetTypeName: string } }>(
    ROUTES.datasetType,
    { config: { access: "read" } },
    async (request): Promise<DatasetTypeResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      return (await registry.getDatasetType(request.params.datasetTypeName)).toJSON();
    },
  );
  app.post<{ Body: QueryDatasetTypesRequest }>(
    ROUTES.queryDatasetTypes,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: { pattern: NAME_PATTERN_SCHEMA, components: { type: "boolean" } },
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<QueryDatasetTypesResponse> => {
      const { registry } = repositoryOf(ctx, request).butler;
      const missing: string[] = [];
      const types = await registry.queryDatasetTypes(request.body.pattern ?? "*", {
        missing,
        ...(request.body.components === undefined ? {} : { components: request.body.components }),
      });
      return { dataset_types: types.map((t) => t.toJSON()), missing };
    },
  );
}
