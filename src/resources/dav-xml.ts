/**
 * Reads the WebDAV PROPFIND answer (RFC 4918 multistatus) without an XML library: only `href`,
 * `resourcetype`, `getcontentlength`, `getetag` and `getlastmodified` of each response are needed. Namespace prefixes
 * differ between servers (`D:`, `d:`, `lp1:`, none), so elements are matched by local name.
 */

export interface DavEntry {
  /** The decoded path of the entry (from its href, which may be a full URL). */
  path: string;
  isCollection: boolean;
  size?: number;
  etag?: string;
  /** `getlastmodified`, in ms since the epoch. */
  modifiedMs?: number;
}

/** The request body that asks only for what `parseMultistatus` reads. */
export const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getetag/><D:getlastmodified/></D:prop></D:propfind>';

function element(name: string, flags = ""): RegExp {
  return new RegExp(`<(?:[\\w.-]+:)?${name}\\b[^>]*?(?:/>|>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}\\s*>)`, flags);
}

const RESPONSE = element("response", "g");
const HREF = element("href");
const RESOURCETYPE = element("resourcetype");
const COLLECTION = element("collection");
const LENGTH = element("getcontentlength");
const ETAG = element("getetag");
const MODIFIED = element("getlastmodified");

export function parseMultistatus(xml: string): DavEntry[] {
  const entries: DavEntry[] = [];
  for (const match of xml.matchAll(RESPONSE)) {
    const body = match[1] ?? "";
    const href = HREF.exec(body)?.[1];
    if (href === undefined) continue;
    const type = RESOURCETYPE.exec(body)?.[1] ?? "";
    const entry: DavEntry = { path: hrefPath(unescapeXml(href.trim())), isCollection: COLLECTION.test(type) };
    const length = LENGTH.exec(body)?.[1]?.trim();
    if (length !== undefined && /^\d+$/.test(length)) entry.size = Number(length);
    const etag = ETAG.exec(body)?.[1]?.trim();
    if (etag !== undefined && etag !== "") entry.etag = unescapeXml(etag);
    const modified = Date.parse(MODIFIED.exec(body)?.[1]?.trim() ?? "");
    if (Number.isFinite(modified)) entry.modifiedMs = modified;
    entries.push(entry);
  }
  return entries;
}

/** The decoded path of an href, which a server may give as a path or as a full URL. */
function hrefPath(href: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(href) ? new URL(href).pathname : href;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    switch (e.toLowerCase()) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default:
        return String.fromCodePoint(
          e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
        );
    }
  });
}
