/**
 * The web page as a fastify plugin: `/` serves the page, `/web/assets/*` its script and style (files in
 * the package: nothing comes from the internet), `/web/api/{repo}/…` the JSON and images the page asks
 * for, answered by calling the repository's Butler in this process. Every route declares the access it
 * needs (`config.access`), so a server's guard applies to it as to its own routes; nothing here depends
 * on how the host app is built.
 */
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { datasetRoutes } from "./api-dataset.ts";
import { repositoryRoutes } from "./api-repository.ts";
import { searchRoutes } from "./api-search.ts";
import { skyRoutes } from "./api-sky.ts";
import type { WebPluginOptions } from "./http.ts";

export type { WebPluginOptions } from "./http.ts";

/** The page's files, beside this module in the sources and in the built package alike. */
const ASSETS = new URL("./assets/", import.meta.url);
const SCRIPT = "text/javascript; charset=utf-8";
const SCRIPTS = ["app", "auth", "dom", "page", "repository", "search", "dataset", "image", "sky"];
const ASSET_TYPES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  ...Object.fromEntries(SCRIPTS.map((name) => [`${name}.js`, SCRIPT])),
};

async function asset(name: string): Promise<Buffer> {
  return readFile(new URL(name, ASSETS));
}

/** The plugin: register it on any fastify app (`app.register(webPlugin(options))`). */
export function webPlugin(options: WebPluginOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const pub = { config: { access: "public" as const } };
    app.get("/", pub, async (_request, reply) =>
      reply
        .type(ASSET_TYPES["index.html"]!)
        .header("cache-control", "no-cache")
        .send(await asset("index.html")),
    );
    app.get<{ Params: { file: string } }>("/web/assets/:file", pub, async (request, reply) => {
      const type = ASSET_TYPES[request.params.file];
      if (type === undefined || request.params.file === "index.html") {
        return reply.code(404).send({ error_type: "NOT_FOUND", detail: `no asset ${request.params.file}` });
      }
      return reply
        .type(type)
        .header("cache-control", "no-cache")
        .send(await asset(request.params.file));
    });
    repositoryRoutes(app, options);
    searchRoutes(app, options);
    datasetRoutes(app, options);
    skyRoutes(app, options);
  };
}
