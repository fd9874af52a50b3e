/**
 * The repository page's data: every collection as a tree (a chain's children under it, recursively;
 * roots are the collections no chain holds) and every dataset type with its storage class, components
 * and number of datasets.
 */
import type { FastifyInstance } from "fastify";
import type { Butler } from "../butler/index.ts";
import { CollectionType } from "../core/index.ts";
import { type RepoRequest, type WebPluginOptions, withRepository } from "./http.ts";

export interface CollectionNode {
  name: string;
  type: string;
  doc?: string;
  children?: CollectionNode[];
}

async function collectionTree(butler: Butler): Promise<CollectionNode[]> {
  const registry = butler.registry;
  const names = await registry.queryCollections("*", { includeChains: true });
  const types = new Map<string, string>();
  const chains = new Map<string, string[]>();
  for (const name of names) {
    const type = await registry.getCollectionType(name);
    types.set(name, type.name);
    if (type === CollectionType.CHAINED) chains.set(name, await registry.getCollectionChain(name));
  }
  const held = new Set([...chains.values()].flat());
  const build = (name: string, seen: ReadonlySet<string>): CollectionNode => {
    const node: CollectionNode = { name, type: types.get(name) ?? "RUN" };
    const children = chains.get(name);
    if (children !== undefined && !seen.has(name)) {
      const inside = new Set([...seen, name]);
      node.children = children.map((child) => build(child, inside));
    }
    return node;
  };
  return names.filter((n) => !held.has(n)).map((n) => build(n, new Set()));
}

async function datasetTypes(butler: Butler) {
  const types = await butler.registry.queryDatasetTypes("*");
  const out = [];
  for (const type of types) {
    const storageClass = butler.storageClasses.get(type.storageClass);
    const count = (await butler.registry.queryDatasets(type.name, { collections: "*" })).length;
    out.push({
      name: type.name,
      dimensions: [...type.dimensions.names],
      storageClass: type.storageClass,
      isCalibration: type.isCalibration,
      components: storageClass.allComponents(),
      count,
    });
  }
  return out;
}

export function repositoryRoutes(app: FastifyInstance, options: WebPluginOptions): void {
  app.get("/web/api/repositories", { config: { access: "public" } }, async () => ({
    repositories: options.repositories(),
  }));
  app.get("/web/api/:name/summary", { config: { access: "read" } }, (request, reply) =>
    withRepository(options, request as RepoRequest, reply, async (butler) => ({
      name: (request as RepoRequest).params.name,
      defaultCollections: [...butler.collections],
      collections: await collectionTree(butler),
      datasetTypes: await datasetTypes(butler),
    })),
  );
}
