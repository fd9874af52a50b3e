/**
 * Servers of the benchmark as child processes, each on its own event loop as in production: started
 * with a command line, ready once a line of its stdout matches, stopped with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface Child {
  /** The first capture group of the ready line. */
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `node --import tsx SCRIPT ARGS…`; resolves when stdout shows `ready`. */
export function startChild(
  script: string,
  args: readonly string[],
  ready: RegExp,
  options: { env?: Record<string, string>; nodeOptions?: readonly string[] } = {},
): Promise<Child> {
  const child = spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), "--import", "tsx", script, ...args],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } },
  );
  let stderr = "";
  // Kept short: the access log writes a line per request to stderr.
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return new Promise<Child>((resolve, reject) => {
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const match = ready.exec(stdout);
      if (match !== null) {
        resolve({
          url: match[1]!,
          process: child,
          async stop() {
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    child.on("close", (code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
}
