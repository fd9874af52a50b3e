/**
 * `butler index-headers REPO DATASET_TYPE --keys K1,K2 [--collections …]`: indexes FITS header keys
 * of a dataset type (recorded in butler.yaml and the registry, filled at every later write) and
 * backfills the datasets it already has, one ranged read of each file through its byte index. An
 * interrupted run keeps what it committed; running it again reads only what is left.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "../../errors/index.ts";
import { progressBar } from "../progress.ts";
import { COLLECTIONS_HELP, parseInteger, splitCommas, withButler } from "../repo-command.ts";

interface Options {
  keys?: string[];
  collections?: string[];
  concurrency: number;
  batchSize: number;
}

export function register(program: Command): void {
  program
    .command("index-headers")
    .description(
      "Index FITS header keys of a dataset type in the registry and fill them for its existing datasets.",
    )
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<dataset-type>", "the dataset type, e.g. calexp")
    .option(
      "--keys <keys>",
      "header keys, comma-separated: KEY, 'HIERARCH WORDS' or HDU:KEY (e.g. EXPTIME,AIRMASS,IMAGE:BUNIT)",
      splitCommas,
    )
    .option("--collections <collections>", `backfill only these; ${COLLECTIONS_HELP}`, splitCommas)
    .option("--concurrency <n>", "file reads in flight at once", parseInteger, 16)
    .option("--batch-size <n>", "datasets recorded per transaction", parseInteger, 500)
    .action(async (repo: string, datasetType: string, options: Options) => {
      if (options.keys === undefined || options.keys.length === 0) {
        throw new InvalidArgumentError("index-headers needs --keys, e.g. --keys EXPTIME,AIRMASS");
      }
      if (options.concurrency < 1) throw new InvalidArgumentError("--concurrency must be at least 1");
      if (options.batchSize < 1) throw new InvalidArgumentError("--batch-size must be at least 1");
      await withButler(repo, { writeable: true }, async (butler) => {
        const bar = progressBar(`indexing ${datasetType} headers`);
        const result = await butler.indexHeaders(datasetType, options.keys!, {
          concurrency: options.concurrency,
          batchSize: options.batchSize,
          ...(options.collections === undefined ? {} : { collections: options.collections }),
          onProgress: (done, total) => bar.update(done, total),
        });
        bar.done();
        process.stdout.write(
          `${datasetType}: indexed keys ${result.keys.join(", ")}; backfilled ${result.backfilled} dataset(s)` +
            (result.withoutFile > 0 ? `, ${result.withoutFile} without a file left empty` : "") +
            "\n",
        );
      });
    });
}
