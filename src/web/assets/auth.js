// Who the page is: nobody on a server without authentication or behind an authenticating proxy (its
// headers come with every request the browser makes), else the holder of a bearer token the user gives.
// Tokens belong to one repository, so each is kept per repository, in this tab only (sessionStorage), and
// sent on every API request of that repository; files (previews, downloads) are fetched the same way.
import { h } from "./dom.js";

const storageKey = (repo) => `butler.token.${repo}`;

export function tokenOf(repo) {
  try {
    return sessionStorage.getItem(storageKey(repo)) ?? undefined;
  } catch {
    return undefined;
  }
}

function keepToken(repo, token) {
  sessionStorage.setItem(storageKey(repo), token);
}

export function forgetToken(repo) {
  sessionStorage.removeItem(storageKey(repo));
}

/** The repository an API path names (`/web/api/NAME/…`), if any. */
function repoOfPath(url) {
  const found = /^\/web\/api\/([^/?#]+)\//.exec(url);
  return found === null ? undefined : decodeURIComponent(found[1]);
}

/** A failed API request: its status and the server's {error_type, detail}. */
export class ApiError extends Error {
  constructor(status, body, repo, sentToken) {
    super(body.detail ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.repo = repo;
    this.sentToken = sentToken;
  }

  /** The server wants to know who is asking (401) or refuses who it is (403). */
  get isAccess() {
    return this.status === 401 || this.status === 403;
  }
}

/** fetch() of an API URL, with the repository's token when one is held; failures throw ApiError. */
export async function apiFetch(url) {
  const repo = repoOfPath(url);
  const token = repo === undefined ? undefined : tokenOf(repo);
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : undefined);
  if (response.ok) return response;
  let body;
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  throw new ApiError(response.status, body, repo, token !== undefined);
}

function filenameOf(response, fallback) {
  const found = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "");
  return found?.[1] ?? fallback;
}

/** Saves an API file: fetched with the token and handed over from an object URL. */
export async function saveFile(url, fallbackName) {
  const response = await apiFetch(url);
  const blobUrl = URL.createObjectURL(await response.blob());
  const a = h("a", { href: blobUrl, download: filenameOf(response, fallbackName), hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
}

/**
 * A link to an API file. Without a token the browser follows it itself (a proxy's session applies and
 * large files stream); with one, a click fetches it with the token.
 */
export function fileLink(repo, url, download, text, onFailure) {
  const onclick = (event) => {
    if (tokenOf(repo) === undefined) return;
    event.preventDefault();
    saveFile(url, download || decodeURIComponent(url.split("?")[0].split("/").pop())).catch(onFailure);
  };
  return h("a", { href: url, download, onclick }, text);
}

/**
 * What the page shows instead of a view the server refused: for 401 a labelled token field (a token the
 * server refused is forgotten and its reason shown), for 403 why the user may not read. `retry` renders
 * the view again once a token is given.
 */
export function accessNotice(repo, err, retry) {
  if (err.status === 403) {
    const held = tokenOf(repo) !== undefined;
    return {
      title: `Not allowed to read ${repo}`,
      content: [
        h("p", {}, `The server knows who you are, but your groups may not read the repository ${repo}.`),
        h("pre", { class: "error", role: "alert" }, err.message),
        h(
          "p",
          { class: "note" },
          "Its read groups are set by whoever runs the server (read_groups in server.yaml); a token's groups are given when it is made (--group G).",
        ),
        held
          ? h(
              "p",
              {},
              h(
                "button",
                {
                  type: "button",
                  id: "other-token",
                  onclick: () => {
                    forgetToken(repo);
                    retry();
                  },
                },
                "Use another token",
              ),
            )
          : null,
      ],
    };
  }
  if (err.sentToken) forgetToken(repo);
  const input = h("input", {
    id: "token-input",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "token-help",
  });
  const form = h(
    "form",
    { class: "token", "aria-label": `Token for ${repo}` },
    h("label", { for: "token-input" }, `Token for ${repo}`),
    input,
    h("button", { type: "submit" }, "Use this token"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === "") return;
    keepToken(repo, token);
    retry();
  });
  queueMicrotask(() => input.focus());
  return {
    title: `A token is needed for ${repo}`,
    content: [
      err.sentToken
        ? h("pre", { class: "error", role: "alert" }, `The server refused the token: ${err.message}`)
        : null,
      h(
        "p",
        { id: "token-help" },
        "This server lets in only the holders of a token of the repository. Whoever runs it makes one with ",
        h("code", {}, `butler token create ${repo} --user U`),
        " (and ",
        h("code", {}, "--group G"),
        " for the groups that may read). The token is kept in this browser tab only and sent with each request as ",
        h("code", {}, "Authorization: Bearer TOKEN"),
        ".",
      ),
      form,
    ],
  };
}
