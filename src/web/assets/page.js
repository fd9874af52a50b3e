// The page's shared parts: its elements, API URLs, hash links, titles and value formatting.

import { apiFetch } from "./auth.js";
import { h } from "./dom.js";

export const main = document.getElementById("main");
export const repoChoice = document.getElementById("repo-choice");
export const forgetButton = document.getElementById("forget-token");

export function api(repo, path) {
  return `/web/api/${encodeURIComponent(repo)}${path}`;
}

/** JSON from the API; a failure throws an ApiError carrying the server's {error_type, detail}. */
export async function getJson(url) {
  return (await apiFetch(url)).json();
}

export function errorBox(err) {
  return h("pre", { class: "error", role: "alert" }, err.message);
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, String(v));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

export function parseHash() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [path, search = ""] = hash.split("?");
  const parts = path.split("/").filter((p) => p !== "");
  return { page: parts[0] ?? "", repo: parts[1], id: parts[2], params: new URLSearchParams(search) };
}

export function link(page, repo, rest = "", params = {}) {
  return `#/${page}/${encodeURIComponent(repo)}${rest}${query(params)}`;
}

export function show(title, ...content) {
  document.title = `${title} · butler`;
  main.replaceChildren(h("h1", {}, title), ...content.filter((c) => c !== null && c !== undefined));
}

export function formatValue(value) {
  if (typeof value === "number")
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(8)));
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => `${k} ${v === null ? "—" : formatValue(v)}`)
      .join(", ");
  }
  return String(value);
}

/** Right ascension and declination as the page prints them. */
export function sky(p) {
  return `${p.ra.toFixed(6)}, ${p.dec.toFixed(6)}`;
}

let failureHandler = (err) => main.prepend(errorBox(err));

/** A failure outside rendering (a download, a reloaded preview), handled as the router says. */
export function failed(err) {
  failureHandler(err);
}

/** The router's handling of failures outside rendering (it knows the access page). */
export function onFailure(handler) {
  failureHandler = handler;
}
