/**
 * The OpenAPI 3.1 document of the server, built from the routes as they are registered: their paths,
 * methods and JSON schemas, so it cannot drift from what the server accepts.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifySchema } from "fastify";
import { OPENAPI_PATH } from "../client/protocol.ts";

interface RouteEntry {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
  access: string | undefined;
  stream: boolean;
}

/** Starts recording the routes registered on `app` from now on (HEAD twins excluded). */
export function collectRoutes(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === "HEAD") continue;
      routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: route.schema,
        access: route.config?.access,
        stream: route.config?.stream === true,
      });
    }
  });
  return routes;
}

export function openApiRoute(app: FastifyInstance, routes: readonly RouteEntry[]): void {
  let document: unknown;
  app.get(OPENAPI_PATH, { config: { access: "public" } }, async () => {
    document ??= openApiDocument(routes);
    return document;
  });
}

const ERROR_SCHEMA = {
  type: "object",
  properties: { error_type: { type: "string" }, detail: { type: "string" }, element: { type: "string" } },
  required: ["error_type", "detail"],
};

function openApiDocument(routes: readonly RouteEntry[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    const path = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      parameters.push({ name, in: "path", required: true, schema: { type: "string" } });
      return `{${name}}`;
    });
    const openPath = path.endsWith("*") ? `${path.slice(0, -1)}{path}` : path;
    if (openPath !== path)
      parameters.push({ name: "path", in: "path", required: true, schema: { type: "string" } });
    const schema = route.schema as { body?: unknown; querystring?: { properties?: Record<string, unknown> } };
    for (const [name, value] of Object.entries(schema?.querystring?.properties ?? {})) {
      parameters.push({ name, in: "query", required: false, schema: value });
    }
    const operation: Record<string, unknown> = {
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(schema?.body === undefined
        ? {}
        : { requestBody: { required: true, content: { "application/json": { schema: schema.body } } } }),
      responses: {
        "200": {
          description: route.stream ? "JSON lines: page, keep_alive, error and end objects" : "success",
          content: { [route.stream ? "application/jsonlines" : "application/json"]: {} },
        },
        "422": { description: "user error", content: { "application/json": { schema: ERROR_SCHEMA } } },
      },
      ...(route.access === "public" ? { security: [] } : {}),
      "x-access": route.access ?? "read",
    };
    paths[openPath] ??= {};
    paths[openPath][route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: "butler-ts server", version: packageVersion() },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
