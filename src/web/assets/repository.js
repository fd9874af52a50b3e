// The repository page: collections as a tree, dataset types and counts.

import { h } from "./dom.js";
import { api, getJson, link, show } from "./page.js";

function collectionList(nodes) {
  return h(
    "ul",
    {},
    nodes.map((node) =>
      h(
        "li",
        {},
        h("span", { class: "mono" }, node.name),
        h("span", { class: "badge" }, node.type),
        node.children ? collectionList(node.children) : null,
      ),
    ),
  );
}

export async function repositoryPage(repo) {
  const summary = await getJson(api(repo, "/summary"));
  const defaults = summary.defaultCollections.join(",");
  const types = h(
    "table",
    { "aria-label": "Dataset types" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Dataset type", "Dimensions", "Storage class", "Components", "Datasets"].map((t) =>
          h("th", { scope: "col" }, t),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      summary.datasetTypes.map((t) =>
        h(
          "tr",
          {},
          h(
            "td",
            {},
            h(
              "a",
              { href: link("search", repo, "", { datasetType: t.name, collections: defaults }) },
              t.name,
            ),
          ),
          h("td", {}, t.dimensions.join(", ")),
          h("td", {}, t.storageClass, t.isCalibration ? h("span", { class: "badge" }, "calibration") : null),
          h("td", {}, t.components.join(", ")),
          h("td", { class: "num" }, t.count),
        ),
      ),
    ),
  );
  show(
    `Repository ${repo}`,
    h("h2", {}, "Collections"),
    h(
      "div",
      { class: "tree", role: "region", "aria-label": "Collections" },
      collectionList(summary.collections),
    ),
    h("h2", {}, "Dataset types"),
    types,
  );
}
