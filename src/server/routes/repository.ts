/** The repository itself: health, the client config, the dimension universe. */
import type { FastifyInstance } from "fastify";
import {
  type ClientConfigResponse,
  type HealthResponse,
  REPO_PREFIX,
  ROUTES,
  type UniverseResponse,
} from "../../client/protocol.ts";
import { repositoryOf, type ServerContext, serverUrlOf } from "../context.ts";
import { packageVersion } from "../openapi.ts";

export function repositoryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const version = packageVersion();
  app.get(ROUTES.health, { config: { access: "public" } }, async (request): Promise<HealthResponse> => {
    return { name: repositoryOf(ctx, request).name, version };
  });
  app.get(
    ROUTES.butlerJson,
    { config: { access: "public" } },
    async (request): Promise<ClientConfigResponse> => {
      const { name } = repositoryOf(ctx, request);
      return { url: `${serverUrlOf(ctx, request)}${REPO_PREFIX}/${name}` };
    },
  );
  app.get(ROUTES.universe, { config: { access: "read" } }, async (request): Promise<UniverseResponse> => {
    return repositoryOf(ctx, request).butler.registry.universe.config;
  });
}
