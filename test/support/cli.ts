/** The `butler` command as the user runs it, from the sources (no build): a child process per call. */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const BUTLER_BIN = join(import.meta.dirname, "../butler-from-source.js");
/** A command that has not finished in this long is killed and reported, so a hang fails its test. */
const COMMAND_TIMEOUT_MS = 180_000;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `butler ARGS…` from the sources and collects its output and exit status. */
export function runButler(...args: string[]): Promise<CliRun> {
  return runCommand(BUTLER_BIN, args);
}

function runCommand(bin: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      stderr += `\n[test] butler ${args.join(" ")} did not finish in ${COMMAND_TIMEOUT_MS / 1000} s; killed\n`;
      child.kill("SIGKILL");
    }, COMMAND_TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
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
