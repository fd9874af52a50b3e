import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidUriError } from "../errors/index.ts";
import { FileResourcePath } from "./file-resource.ts";
import { GcsResourcePath } from "./gcs-resource.ts";
import { HttpResourcePath } from "./http-resource.ts";
import { MemResourcePath } from "./mem-resource.ts";
import { decodePath, normalizePath, type ResourceOptions, type ResourcePath } from "./resource-path.ts";
import { S3ResourcePath } from "./s3-resource.ts";

export interface ResourcePathOptions extends ResourceOptions {
  /** Take the path as a directory even without a trailing slash. */
  forceDirectory?: boolean;
}

/**
 * The ResourcePath a URI names: `file:///abs/path`, a plain local path (relative ones resolve against
 * the working directory), `mem://namespace/path`, `s3://bucket/key` or `s3://profile@bucket/key`,
 * `gs://bucket/key` (Google Cloud Storage), `http(s)://host/path`. A trailing `/` (or `forceDirectory`) makes it a directory.
 */
export function resourcePath(uri: string | ResourcePath, options: ResourcePathOptions = {}): ResourcePath {
  if (typeof uri !== "string") return uri;
  const { forceDirectory, ...resourceOptions } = options;
  const asDirectory = (path: string) => (forceDirectory === true && !path.endsWith("/") ? `${path}/` : path);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  // A Windows drive letter looks like a scheme; anything without `//` after the colon is a local path too.
  if (scheme === undefined || (scheme.length === 1 && !uri.includes("://"))) {
    const trailing = uri.endsWith("/") || uri.endsWith(sep);
    const path = resolve(uri) + (trailing ? "/" : "");
    return new FileResourcePath(asDirectory(normalizePath(path)), resourceOptions);
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new InvalidUriError(uri, (err as Error).message);
  }
  switch (scheme) {
    case "file": {
      if (url.host !== "" && url.host !== "localhost")
        throw new InvalidUriError(uri, "file URIs must be local");
      const trailing = url.pathname.endsWith("/");
      const path = fileURLToPath(url) + (trailing && !fileURLToPath(url).endsWith("/") ? "/" : "");
      return new FileResourcePath(asDirectory(normalizePath(path)), resourceOptions);
    }
    case "mem":
      return new MemResourcePath(url.host, asDirectory(pathOf(uri, url)), resourceOptions);
    case "s3": {
      if (url.hostname === "") throw new InvalidUriError(uri, "an S3 URI needs a bucket: s3://bucket/key");
      const profile = url.username === "" ? undefined : decodePath(uri, url.username);
      return new S3ResourcePath(url.hostname, profile, asDirectory(pathOf(uri, url)), resourceOptions);
    }
    case "gs": {
      if (url.hostname === "") throw new InvalidUriError(uri, "a GCS URI needs a bucket: gs://bucket/key");
      if (url.username !== "" || url.port !== "") {
        throw new InvalidUriError(uri, "a GCS URI is gs://bucket/key, with no user or port");
      }
      return new GcsResourcePath(url.hostname, asDirectory(pathOf(uri, url)), resourceOptions);
    }
    case "http":
    case "https":
    case "dav":
    case "davs": {
      // dav(s):// is the WebDAV spelling of http(s):// that some tools use.
      const httpScheme = scheme === "https" || scheme === "davs" ? "https" : "http";
      return new HttpResourcePath(
        httpScheme,
        url.host,
        asDirectory(pathOf(uri, url)),
        resourceOptions,
        url.search,
      );
    }
    default:
      throw new InvalidUriError(
        uri,
        `unsupported scheme '${scheme}'; supported: file, mem, s3, gs, http, https, dav, davs`,
      );
  }
}

function pathOf(uri: string, url: URL): string {
  const path = decodePath(uri, url.pathname === "" ? "/" : url.pathname);
  const normalized = normalizePath(path);
  return path.endsWith("/") && !normalized.endsWith("/") ? `${normalized}/` : normalized;
}
