/**
 * `Butler.open` of a butler server's repository URL. The client of a server lives in a higher layer
 * (`src/client`), so this layer does not import it: the client registers its opener here when it is
 * loaded, which the package entry does. A server URL opened before that is refused with what to do.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import type { ButlerApi } from "./butler-api.ts";
import type { ButlerOpenOptions } from "./options.ts";

/** Where a server serves its repositories: `http(s)://host[:port][/prefix]/api/butler/repo/NAME`. */
export const SERVER_REPO_PATH = "/api/butler/repo";

/** A repository URL on a butler server, as a type: `Butler.open` of one returns a ButlerApi. */
export type ServerUrl = `${"http" | "https"}://${string}/api/butler/repo/${string}`;

/** Options of opening a repository on a server: a local butler's, and the connection's. */
export interface ServerOpenOptions extends ButlerOpenOptions {
  /** Bearer token; else `BUTLER_TOKEN`, else the per-user tokens file. */
  token?: string;
  /** How long retries of 429 and 503 may take in all (ms). */
  retryBudgetMs?: number;
  /** Time limit of one request (ms). */
  timeoutMs?: number;
}

export type ServerOpener = (url: string, options: ServerOpenOptions) => Promise<ButlerApi>;

let opener: ServerOpener | undefined;

/** True for a URL of a repository on a butler server. */
export function isServerUrl(repo: string): boolean {
  return /^https?:\/\//i.test(repo) && repo.includes(`${SERVER_REPO_PATH}/`);
}

/** Installs the opener of server URLs (the client does, when it is loaded). */
export function registerServerOpener(open: ServerOpener): void {
  opener = open;
}

export function openOnServer(url: string, options: ServerOpenOptions): Promise<ButlerApi> {
  if (opener === undefined) {
    throw new InvalidArgumentError(
      `${url} is a repository on a butler server, and no server client is loaded: import the package ` +
        "entry (or src/client), which opens server URLs with Butler.open",
    );
  }
  return opener(url, options);
}
