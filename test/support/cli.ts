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
