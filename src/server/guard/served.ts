/**
 * The guard's configuration for the repositories an app serves: their read and write groups and their
 * registries' tokens come from the same `ServedRepository` list the app is given, so the two cannot
 * disagree about what is served or who may use it.
 */
import type { ServedRepository } from "../context.ts";
import type { GuardConfig } from "./types.ts";

export function guardConfigFor(
  repositories: readonly ServedRepository[],
  settings: Omit<GuardConfig, "repositories" | "tokenStore">,
): GuardConfig {
  const byName = new Map(repositories.map((r) => [r.name, r]));
  return {
    ...settings,
    repositories: Object.fromEntries(
      repositories.map((r) => [
        r.name,
        {
          ...(r.readGroups === undefined ? {} : { readGroups: r.readGroups }),
          ...(r.writeGroups === undefined ? {} : { writeGroups: r.writeGroups }),
        },
      ]),
    ),
    tokenStore: (name) => byName.get(name)?.butler.registry.tokens,
  };
}
