/** `GET /v1/header_keys/{datasetTypeName}`: the header keys the repository indexes for a dataset type. */
import type { FastifyInstance } from "fastify";
import { type HeaderKeysResponse, ROUTES } from "../../client/protocol.ts";
import { repositoryOf, type ServerContext } from "../context.ts";

export function headerKeyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { datasetTypeName: string } }>(
    ROUTES.headerKeys,
    { config: { access: "read" } },
    async (request): Promise<HeaderKeysResponse> => {
      const { butler } = repositoryOf(ctx, request);
      // An unknown type is a MissingDatasetTypeError (422), as everywhere else.
      const type = await butler.registry.getDatasetType(request.params.datasetTypeName);
      const headers = butler.registry.internals.headers;
      // Another process may have indexed keys since this one last looked.
      headers.refresh();
      return { keys: (await headers.keys(type.name)).map((k) => k.name) };
    },
  );
}
