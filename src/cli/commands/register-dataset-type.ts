/**
 * `butler register-dataset-type REPO NAME STORAGE_CLASS [DIMENSIONS…]`: registers a dataset type. As in
 * daf_butler, component types (`calexp.wcs`) are refused: they come from the composite's storage class.
 */
import type { Command } from "commander";
import { DatasetType, splitDatasetTypeName } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { withButler } from "../repo-command.ts";

export function register(program: Command): void {
  program
    .command("register-dataset-type")
    .description("Register a new dataset type with this butler repository.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<dataset-type>", "name of the dataset type")
    .argument(
      "<storage-class>",
      "name of the storage class of its datasets (e.g. ExposureF, StructuredDataDict)",
    )
    .argument("[dimensions...]", "the dimensions of its data IDs (may be none)")
    .option("--is-calibration", "datasets of this type may be certified into CALIBRATION collections")
    .option("--no-is-calibration", "datasets of this type are not calibrations (the default)")
    .action(
      async (
        repo: string,
        name: string,
        storageClass: string,
        dimensions: string[],
        options: { isCalibration?: boolean },
      ) => {
        if (splitDatasetTypeName(name)[1] !== null) {
          throw new InvalidArgumentError(
            `'${name}' is a component dataset type: component types are not registered, they come from ` +
              "their composite's storage class; register the composite instead",
          );
        }
        await withButler(repo, { writeable: true }, async (butler) => {
          // Checked here so a typo is a usage error naming what exists, not a failure at first put.
          if (!butler.storageClasses.has(storageClass)) {
            throw new InvalidArgumentError(
              `storage class '${storageClass}' is not defined; accepted: ${butler.storageClasses.names().join(", ")}`,
            );
          }
          const type = DatasetType.fromNames(name, dimensions, storageClass, butler.registry.universe, {
            isCalibration: options.isCalibration === true,
          });
          const inserted = await butler.registry.registerDatasetType(type);
          process.stdout.write(
            inserted
              ? "Dataset type successfully registered.\n"
              : "Dataset type already existed in identical form.\n",
          );
        });
      },
    );
}
