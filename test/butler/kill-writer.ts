/**
 * One writer of the kill test (kill-writers.test.ts): opens the repository at argv[2] and, in the mode
 * argv[3] (`put`, `ingest`, `import` or `remove-runs`), writes in a loop until it is killed. Runs are
 * named after argv[4] so that writers never collide. It prints `ready` once it is about to write.
 */
import { Butler } from "../../src/butler/index.ts";
import { isButlerError } from "../../src/errors/index.ts";
import { CALEXP_FIXTURE, calexpExposure } from "../support/files.ts";

const [repo, mode, tag, exportDir] = process.argv.slice(2) as [string, string, string, string | undefined];
const butler = await Butler.open(repo, { writeable: true });
const exposure = await calexpExposure();
const VISIT = { instrument: "HSC", visit: 903334 } as const;
const IMPORTED_RUN = "exported";
/** The detectors of the HSC dimension records the tests load. */
const DETECTORS = [0, 1, 4, 5, 6, 10, 11, 12, 16, 17, 18, 22, 23, 24, 25, 100];

process.stdout.write("ready\n");
for (let i = 0; ; i++) {
  const run = `${mode}/${tag}/${Math.floor(i / DETECTORS.length)}`;
  const detector = DETECTORS[i % DETECTORS.length]!;
  switch (mode) {
    case "put":
      await butler.registry.registerRun(run);
      await butler.put(exposure, "calexp", { ...VISIT, detector }, { run });
      break;
    case "ingest":
      await butler.registry.registerRun(run);
      await butler.ingest(
        { path: CALEXP_FIXTURE, refs: { datasetType: "ingested", dataId: { ...VISIT, detector } } },
        { transfer: "copy", run },
      );
      break;
    case "import":
      // An import killed after its COMMIT left the run: it goes first, as a user would remove it.
      try {
        await butler.removeRuns(IMPORTED_RUN);
      } catch (err) {
        if (!isButlerError(err, "MISSING_COLLECTION")) throw err;
      }
      await butler.import(exportDir!, { transfer: "copy" });
      break;
    case "remove-runs":
      await butler.registry.registerRun(`${run}-${i}`);
      for (const d of [detector, DETECTORS[(i + 1) % DETECTORS.length]!]) {
        await butler.put(exposure, "calexp", { ...VISIT, detector: d }, { run: `${run}-${i}` });
      }
      await butler.removeRuns(`${run}-${i}`);
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}
