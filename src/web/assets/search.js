// The search page: a query form over dataset types, collections and `where`, and its result table.

import { fileLink } from "./auth.js";
import { h } from "./dom.js";
import { api, errorBox, failed, formatValue, getJson, link, query, show } from "./page.js";

const searchTypes = new Map();

export async function datasetTypesOf(repo) {
  if (!searchTypes.has(repo)) searchTypes.set(repo, (await getJson(api(repo, "/summary"))).datasetTypes);
  return searchTypes.get(repo);
}

export function queryForm(repo, page, params, types, submitLabel) {
  const chosen = params.get("datasetType") ?? types[0]?.name ?? "";
  const form = h(
    "form",
    { class: "query", role: "search", "aria-label": submitLabel },
    h("label", { for: "f-type" }, "Dataset type"),
    h(
      "select",
      { id: "f-type", name: "datasetType" },
      types.map((t) => h("option", { value: t.name, selected: t.name === chosen }, t.name)),
    ),
    h("label", { for: "f-collections" }, "Collections"),
    h("input", {
      id: "f-collections",
      name: "collections",
      value: params.get("collections") ?? "",
      placeholder: "comma-separated; the repository's defaults when empty",
    }),
    h("label", { for: "f-where" }, "Where"),
    h(
      "textarea",
      { id: "f-where", name: "where", spellcheck: "false", placeholder: "band = 'r' AND detector < 2" },
      params.get("where") ?? "",
    ),
    h("span", {}),
    h("div", {}, h("button", { type: "submit" }, submitLabel)),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = link(page, repo, "", {
      datasetType: data.get("datasetType"),
      collections: data.get("collections"),
      where: data.get("where"),
    });
  });
  return form;
}

export async function searchPage(repo, params) {
  const types = await datasetTypesOf(repo);
  const form = queryForm(repo, "search", params, types, "Search");
  const results = h("section", { "aria-label": "Results" });
  show(`Search ${repo}`, form, results);
  if (!params.has("datasetType")) return;
  const page = Number(params.get("page") ?? 0);
  const base = {
    datasetType: params.get("datasetType"),
    collections: params.get("collections") ?? "",
    where: params.get("where") ?? "",
  };
  let body;
  try {
    body = await getJson(api(repo, `/search${query({ ...base, page })}`));
  } catch (err) {
    results.replaceChildren(h("h2", {}, "Query error"), errorBox(err));
    document.getElementById("f-where")?.focus();
    return;
  }
  const downloads = h(
    "p",
    {},
    "Download the whole result: ",
    fileLink(repo, api(repo, `/search.csv${query(base)}`), `${base.datasetType}.csv`, "CSV", failed),
    " · ",
    fileLink(repo, api(repo, `/search.json${query(base)}`), `${base.datasetType}.json`, "JSON", failed),
  );
  if (body.rows.length === 0) {
    results.replaceChildren(
      h("h2", {}, "No datasets found"),
      body.explanation && body.explanation.length > 0
        ? h(
            "ul",
            { class: "explanation" },
            body.explanation.map((r) => h("li", {}, r)),
          )
        : h(
            "p",
            { class: "note" },
            page > 0 ? "This page is past the end of the result." : "Nothing matched.",
          ),
    );
    return;
  }
  const pager = h(
    "div",
    { class: "pager" },
    page > 0
      ? h("a", { href: link("search", repo, "", { ...base, page: page - 1 }), rel: "prev" }, "← Previous")
      : null,
    h("span", {}, `Rows ${page * body.pageRows + 1}–${page * body.pageRows + body.rows.length}`),
    body.hasMore
      ? h("a", { href: link("search", repo, "", { ...base, page: page + 1 }), rel: "next" }, "Next →")
      : null,
  );
  const table = h(
    "table",
    { "aria-label": "Datasets found" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Dataset", "Run", ...body.columns].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      body.rows.map((row) =>
        h(
          "tr",
          {},
          h("td", { class: "mono" }, h("a", { href: link("dataset", repo, `/${row.id}`) }, row.id)),
          h("td", {}, row.run),
          body.columns.map((c) => h("td", {}, formatValue(row.dataId[c]))),
        ),
      ),
    ),
  );
  results.replaceChildren(h("h2", {}, "Results"), downloads, pager, table);
}
