/** Asking the user a yes/no question on the terminal, as click.confirm does (default no). */
import { createInterface } from "node:readline/promises";

/** Asks `question [y/N]:` on stderr and reads one line from stdin; only y or yes is a yes. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    process.stderr.write(`${question} [y/N]: `);
    const answer = await new Promise<string>((resolve) => {
      rl.once("line", resolve);
      // End of input (a closed or empty stdin) answers no.
      rl.once("close", () => resolve(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
