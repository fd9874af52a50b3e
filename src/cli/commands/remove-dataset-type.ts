/** `butler remove-dataset-type REPO NAME…`: removes dataset type definitions (names or globs) with no datasets. */
import type { Command } from "commander";
import { withButler } from "../repo-command.ts";

export function register(program: Command): void {
  program
    .command("remove-dataset-type")
    .description("Remove the dataset type definitions from a repository.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "<dataset-type...>",
      "names or globs of the dataset types to remove; types with datasets are refused",
    )
    .action(async (repo: string, names: string[]) => {
      await withButler(repo, { writeable: true }, async (butler) => {
        const matched = (await butler.registry.queryDatasetTypes(names))
          .map((t) => t.name)
          .filter((name) => !name.includes("."));
        await butler.registry.removeDatasetType(names);
        process.stdout.write(
          matched.length > 0
            ? `Removed dataset types: ${matched.join(", ")}\n`
            : "No dataset types matched.\n",
        );
      });
    });
}
