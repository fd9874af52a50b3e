/**
 * Where a remote butler's bearer token comes from, first found wins:
 * 1. the `token` option of `RemoteButler.open` / `Butler.open`;
 * 2. the `BUTLER_TOKEN` environment variable;
 * 3. the per-user tokens file, `$BUTLER_TOKENS_FILE`, else `$XDG_CONFIG_HOME/butler-ts/tokens.json`
 *    (`~/.config/butler-ts/tokens.json`): a JSON object from URL prefix to token, e.g.
 *    `{"https://data.example.org/api/butler/repo/": "…", "http://127.0.0.1:8080/": "…"}`; the longest
 *    prefix of the repository URL wins. Keep the file private (mode 0600).
 * No token at all is allowed: a server without authentication (a single local user) needs none.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "../errors/index.ts";

/** The tokens file this process reads. */
export function tokensFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUTLER_TOKENS_FILE) return env.BUTLER_TOKENS_FILE;
  const config = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(config, "butler-ts", "tokens.json");
}

/** The token for a repository URL (see the module comment), or undefined. */
export function findToken(
  url: string,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (explicit !== undefined && explicit !== "") return explicit;
  if (env.BUTLER_TOKEN) return env.BUTLER_TOKEN;
  const file = tokensFilePath(env);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InvalidArgumentError(`cannot read the tokens file ${file}: ${(err as Error).message}`);
  }
  let tokens: unknown;
  try {
    tokens = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(
      `the tokens file ${file} is not JSON (${(err as Error).message}); it maps URL prefixes to tokens`,
    );
  }
  if (tokens === null || typeof tokens !== "object" || Array.isArray(tokens)) {
    throw new InvalidArgumentError(
      `the tokens file ${file} must hold one JSON object mapping URL prefixes to tokens`,
    );
  }
  let best: { prefix: string; token: string } | undefined;
  for (const [prefix, token] of Object.entries(tokens as Record<string, unknown>)) {
    if (typeof token !== "string") continue;
    if (url.startsWith(prefix) && (best === undefined || prefix.length > best.prefix.length)) {
      best = { prefix, token };
    }
  }
  return best?.token;
}
