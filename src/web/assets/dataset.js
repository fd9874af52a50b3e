// The dataset page: its data ID, files, components and header.

import { fileLink } from "./auth.js";
import { h } from "./dom.js";
import { api, failed, formatValue, getJson, link, show, sky } from "./page.js";

function fields(entries) {
  return h(
    "dl",
    { class: "fields" },
    entries
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v instanceof Node ? v : formatValue(v))]),
  );
}

export async function datasetPage(repo, id) {
  const d = await getJson(api(repo, `/dataset/${id}`));
  const components = h(
    "ul",
    { class: "inline" },
    d.components.map((c) => {
      const target = ["image", "mask", "variance"].includes(c.name)
        ? link("image", repo, `/${id}`, { plane: c.name })
        : ["metadata", "wcs", "visitInfo", "photoCalib", "bbox"].includes(c.name)
          ? `#${c.name}`
          : api(repo, `/dataset/${id}/component/${c.name}`);
      const onclick =
        target.startsWith("#") && !target.startsWith("#/")
          ? (event) => {
              event.preventDefault();
              document.getElementById(target.slice(1))?.focus();
            }
          : undefined;
      const anchor = target.startsWith("/web/api/")
        ? fileLink(repo, target, undefined, c.name, failed)
        : h("a", { href: target, onclick }, c.name);
      return h("li", {}, anchor, h("span", { class: "badge" }, c.storageClass));
    }),
  );
  const sections = [
    fields([
      ["Dataset type", d.datasetType],
      ["Run", d.run],
      ["ID", d.id],
      ["URI", d.uri],
      ["Storage class", d.storageClass],
      [
        "Data ID",
        Object.entries(d.dataId)
          .map(([k, v]) => `${k}=${formatValue(v)}`)
          .join(", "),
      ],
    ]),
    d.isImage
      ? h("p", {}, h("a", { href: link("image", repo, `/${id}`), id: "view-image" }, "View the image"))
      : null,
    h("h2", {}, "Components"),
    components,
  ];
  if (d.bbox) {
    sections.push(
      h("h2", { id: "bbox", tabindex: "-1" }, "Bounding box"),
      fields([
        [
          "Corners (PARENT, inclusive)",
          `(${d.bbox.minX}, ${d.bbox.minY}) – (${d.bbox.maxX}, ${d.bbox.maxY})`,
        ],
        ["Size", `${d.bbox.maxX - d.bbox.minX + 1} × ${d.bbox.maxY - d.bbox.minY + 1}`],
      ]),
    );
  }
  if (d.wcs) {
    sections.push(
      h("h2", { id: "wcs", tabindex: "-1" }, "WCS"),
      fields([
        ["Centre (RA, Dec °)", d.wcs.centre ? sky(d.wcs.centre) : undefined],
        ["Corners (RA, Dec °)", d.wcs.corners ? d.wcs.corners.map(sky).join(" ; ") : undefined],
        ["Pixel scale", d.wcs.pixelScaleArcsec ? `${d.wcs.pixelScaleArcsec.toFixed(4)} arcsec` : undefined],
        ["Description", d.wcs.text],
      ]),
    );
  }
  if (d.visitInfo) {
    sections.push(
      h("h2", { id: "visitInfo", tabindex: "-1" }, "Visit info"),
      fields(Object.entries(d.visitInfo)),
    );
  }
  if (d.photoCalib) {
    sections.push(
      h("h2", { id: "photoCalib", tabindex: "-1" }, "Photometric calibration"),
      fields([
        ["Mean (nJy/count)", d.photoCalib.calibrationMean],
        ["Error", d.photoCalib.calibrationErr],
        ["Constant", String(d.photoCalib.isConstant)],
      ]),
    );
  }
  if (d.components.some((c) => c.name === "metadata")) sections.push(await headerSection(repo, id));
  show(`${d.datasetType} ${Object.values(d.dataId).map(formatValue).join(" ")}`, ...sections);
}

async function headerSection(repo, id) {
  const { cards } = await getJson(api(repo, `/dataset/${id}/header`));
  const filter = h("input", { id: "header-filter", type: "search", placeholder: "key, value or comment" });
  const count = h("span", { class: "note", "aria-live": "polite" });
  const rows = cards.map((c) =>
    h(
      "tr",
      {},
      h("td", { class: "mono" }, c.key),
      h("td", { class: "mono" }, formatValue(c.value)),
      h("td", {}, c.comment),
    ),
  );
  const apply = () => {
    const text = filter.value.trim().toUpperCase();
    let shown = 0;
    for (const [i, row] of rows.entries()) {
      const c = cards[i];
      const match =
        text === "" || `${c.key} ${formatValue(c.value)} ${c.comment}`.toUpperCase().includes(text);
      row.hidden = !match;
      if (match) shown++;
    }
    count.textContent = `${shown} of ${cards.length} cards`;
  };
  filter.addEventListener("input", apply);
  apply();
  return h(
    "section",
    { "aria-label": "Primary header" },
    h("h2", { id: "metadata", tabindex: "-1" }, "Primary header"),
    h("p", {}, h("label", { for: "header-filter" }, "Filter the header "), filter, " ", count),
    h(
      "table",
      { id: "header-table", "aria-label": "Header cards" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Key", "Value", "Comment"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}
