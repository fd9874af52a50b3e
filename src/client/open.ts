/**
 * Opening a repository by whatever names it: a directory or `butler.yaml` gives a local Butler, a
 * butler server's repository URL (`http(s)://host/api/butler/repo/NAME`) a RemoteButler with the same
 * reading, query and put API. The CLI opens every repository through here.
 */
import { Butler, type ButlerOpenOptions } from "../butler/index.ts";
import { isServerUrl, RemoteButler, type RemoteButlerOptions } from "./remote-butler.ts";

/** A butler of either kind. */
export type AnyButler = Butler | RemoteButler;

export type OpenButlerOptions = ButlerOpenOptions &
  Pick<RemoteButlerOptions, "token" | "retryBudgetMs" | "timeoutMs">;

export function openButler(repo: string, options: OpenButlerOptions = {}): Promise<AnyButler> {
  if (isServerUrl(repo)) return RemoteButler.open(repo, options);
  const { token: _t, retryBudgetMs: _r, timeoutMs: _m, ...local } = options;
  return Butler.open(repo, local);
}

export { isServerUrl };
