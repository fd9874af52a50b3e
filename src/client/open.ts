/**
 * Opening a repository by whatever names it: a directory or `butler.yaml` gives a local Butler, a
 * butler server's repository URL (`http(s)://host/api/butler/repo/NAME`) a RemoteButler with the same
 * reading, query and put API. The CLI opens every repository through here. Loading this module also
 * lets `Butler.open` open server URLs (see src/butler/server-opener.ts).
 */
import { Butler } from "../butler/index.ts";
import { isServerUrl, registerServerOpener, type ServerOpenOptions } from "../butler/server-opener.ts";
import { RemoteButler } from "./remote-butler.ts";

/** A butler of either kind. */
export type AnyButler = Butler | RemoteButler;

export type OpenButlerOptions = ServerOpenOptions;

export function openButler(repo: string, options: OpenButlerOptions = {}): Promise<AnyButler> {
  if (isServerUrl(repo)) return RemoteButler.open(repo, options);
  return Butler.open(repo, options);
}

registerServerOpener((url, options) => RemoteButler.open(url, options));

export { isServerUrl };
