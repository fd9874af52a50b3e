/**
 * The butler server as a fastify app: every served repository under `/api/butler/repo/{name}`, the
 * routes of src/client/protocol.ts, typed errors as 422, request ids echoed, an OpenAPI document.
 * Guards and the web page come in as `plugins`, registered before the routes so their hooks see them.
 */
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import {
  CLIENT_REQUEST_ID_HEADER,
  DEFAULT_KEEP_ALIVE_MS,
  DEFAULT_URL_EXPIRY_SECONDS,
  MAX_DATASET_IDS,
  MAX_PAGE_ROWS,
  REPO_NAME_PATTERN,
  REPO_PREFIX,
  REQUEST_ID_HEADER,
} from "../client/protocol.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import type { ServedRepository, ServerContext } from "./context.ts";
import { handleError } from "./error-reply.ts";
import { notFound } from "./http-error.ts";
import { collectRoutes, openApiRoute } from "./openapi.ts";
import { bytesRoutes } from "./routes/bytes.ts";
import { collectionRoutes } from "./routes/collections.ts";
import { datasetTypeRoutes } from "./routes/dataset-types.ts";
import { datasetRoutes } from "./routes/datasets.ts";
import { fileByDataIdRoutes } from "./routes/file-by-data-id.ts";
import { fileRoutes } from "./routes/files.ts";
import { headerKeyRoutes } from "./routes/header-keys.ts";
import { putRoutes } from "./routes/put.ts";
import { queryRoutes } from "./routes/queries.ts";
import { repositoryRoutes } from "./routes/repository.ts";

export type { ServedRepository } from "./context.ts";

export interface ServerAppOptions {
  repositories: ServedRepository[];
  /** HMAC key for byte and upload URLs; processes serving one repository must share it. */
  signingKey: Uint8Array;
  /** Lifetime of signed and pre-signed URLs (default 3600 s). */
  urlExpirySeconds?: number;
  /** The base URL clients use (else from each request's Host). */
  publicUrl?: string;
  /** Largest request body in bytes (default 4 MiB: 10,000 ids fit with room). */
  bodyLimit?: number;
  /** Interval of keep-alive lines in streamed results (default 15 s). */
  keepAliveMs?: number;
  /** Rows per page of a streamed result (default and most 2,000). */
  pageRows?: number;
  /** Most dataset ids one request may name (default and most 10,000). */
  maxIds?: number;
  /** fastify's logger option (default: no logging). */
  logger?: FastifyServerOptions["logger"];
  /** Registered before the routes (guards, the web page). */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
/** What a client's request id may look like to be echoed (anything else is replaced). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

type RouteModule = (app: FastifyInstance, ctx: ServerContext) => void;
const ROUTE_MODULES: readonly RouteModule[] = [
  repositoryRoutes,
  datasetTypeRoutes,
  collectionRoutes,
  datasetRoutes,
  queryRoutes,
  fileRoutes,
  bytesRoutes,
  fileByDataIdRoutes,
  headerKeyRoutes,
  putRoutes,
];

export async function createServerApp(options: ServerAppOptions): Promise<FastifyInstance> {
  const ctx = serverContext(options);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Access logs are the guard's, one line per request with its user and rows.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers[CLIENT_REQUEST_ID_HEADER];
      return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    // Every problem named, not just the first; unknown properties refused rather than dropped unseen.
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
  }) as unknown as FastifyInstance;
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request) => {
    throw notFound(`no route ${request.method} ${request.url.split("?")[0]}`);
  });
  const routes = collectRoutes(app);
  for (const plugin of options.plugins ?? []) await plugin(app);
  await app.register(
    async (scope) => {
      for (const register of ROUTE_MODULES) register(scope, ctx);
    },
    { prefix: `${REPO_PREFIX}/:name` },
  );
  openApiRoute(app, routes);
  return app;
}

function serverContext(options: ServerAppOptions): ServerContext {
  const repositories = new Map<string, ServedRepository>();
  for (const repository of options.repositories) {
    if (!REPO_NAME_PATTERN.test(repository.name)) {
      throw new InvalidArgumentError(
        `repository name '${repository.name}' is not allowed; names are letters, digits, '_', '.' and '-'`,
      );
    }
    if (repositories.has(repository.name)) {
      throw new InvalidArgumentError(`repository name '${repository.name}' is served twice`);
    }
    repositories.set(repository.name, repository);
  }
  if (options.signingKey.length < 16) {
    throw new InvalidArgumentError("the signing key must be at least 16 bytes");
  }
  return {
    repositories,
    signingKey: options.signingKey,
    urlExpirySeconds: positive("urlExpirySeconds", options.urlExpirySeconds ?? DEFAULT_URL_EXPIRY_SECONDS),
    publicUrl: options.publicUrl,
    keepAliveMs: positive("keepAliveMs", options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS),
    pageRows: Math.min(positive("pageRows", options.pageRows ?? MAX_PAGE_ROWS), MAX_PAGE_ROWS),
    maxIds: Math.min(positive("maxIds", options.maxIds ?? MAX_DATASET_IDS), MAX_DATASET_IDS),
  };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`server option ${name} must be a positive number, got ${value}`);
  }
  return value;
}
