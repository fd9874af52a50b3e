/** The `butler` command as the user runs it, from the sources (no build): a child process per call. */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const BUTLER_BIN = join(import.meta.dirname, "../butler-from-source.js");

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `butler ARGS…` and collects its output and exit status. */
export function runButler(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUTLER_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * `butler get REPO DATASET_TYPE --collections … --data-id k=v … --bbox BOX --output OUT` for a dataset
 * found before: the cutout file the command writes (the oracle the web page's cutouts are held to).
 */
export async function cliCutout(
  repo: string,
  datasetType: string,
  collections: string,
  dataId: Readonly<Record<string, unknown>>,
  bbox: string,
  output: string,
): Promise<CliRun> {
  return runButler(
    "get",
    repo,
    datasetType,
    "--collections",
    collections,
    ...Object.entries(dataId).flatMap(([k, v]) => ["--data-id", `${k}=${String(v)}`]),
    "--bbox",
    bbox,
    "--output",
    output,
  );
}
