/**
 * One writer of the concurrency test (registry-concurrency.test.ts): opens the registry at argv[2]
 * and, as writer argv[3] of `argv[4]` batches, inserts detectors and datasets in small transactions
 * so that its writes interleave with the other writer's.
 */
import { Registry } from "../../src/registry/index.ts";

const [uri, label, batchesText] = process.argv.slice(2);
const writer = Number(label);
const batches = Number(batchesText);
const perBatch = 50;
const registry = await Registry.open({ db: uri! });
try {
  await registry.registerRun("common");
  await registry.registerRun(`run_${writer}`);
  for (let b = 0; b < batches; b++) {
    const ids = Array.from({ length: perBatch }, (_, i) => 1000 * (writer + 1) + b * perBatch + i);
    await registry.insertDimensionData(
      "detector",
      ids.map((id) => ({ instrument: "Cam", id, full_name: `D${id}` })),
    );
    // Both writers sync the same record: one inserts it, the other finds it identical.
    await registry.syncDimensionData("physical_filter", { instrument: "Cam", name: `Cam-${b}`, band: "g" });
    const dataIds = ids.map((detector) => ({ instrument: "Cam", detector }));
    await registry.insertDatasets("bias", dataIds, "common");
    await registry.transaction(async () => {
      await registry.insertDatasets("bias", dataIds, `run_${writer}`);
    });
  }
} finally {
  await registry.close();
}
