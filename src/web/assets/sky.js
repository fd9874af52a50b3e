// The sky page: footprints of datasets on a tangent-plane projection.

import { h } from "./dom.js";
import { api, errorBox, getJson, link, query, show } from "./page.js";
import { datasetTypesOf, queryForm } from "./search.js";

/** Gnomonic (tangent-plane) projection about (ra0, dec0): standard coordinates in degrees, east left. */
function tangentProjection(ra0, dec0) {
  const r = Math.PI / 180;
  const [sd0, cd0] = [Math.sin(dec0 * r), Math.cos(dec0 * r)];
  return ([ra, dec]) => {
    const dra = (ra - ra0) * r;
    const [sd, cd] = [Math.sin(dec * r), Math.cos(dec * r)];
    const cosc = sd0 * sd + cd0 * cd * Math.cos(dra);
    const xi = (cd * Math.sin(dra)) / cosc;
    const eta = (cd0 * sd - sd0 * cd * Math.cos(dra)) / cosc;
    return [-xi / r, -eta / r];
  };
}

/** The mean direction of the points, as RA/Dec degrees. */
function centreOf(points) {
  const r = Math.PI / 180;
  let [x, y, z] = [0, 0, 0];
  for (const [ra, dec] of points) {
    x += Math.cos(dec * r) * Math.cos(ra * r);
    y += Math.cos(dec * r) * Math.sin(ra * r);
    z += Math.sin(dec * r);
  }
  return [(Math.atan2(y, x) / r + 360) % 360, Math.atan2(z, Math.hypot(x, y)) / r];
}

export async function skyPage(repo, params) {
  const types = await datasetTypesOf(repo);
  if (!params.has("datasetType"))
    params.set(
      "datasetType",
      types.find((t) => t.dimensions.includes("visit"))?.name ?? types[0]?.name ?? "",
    );
  const form = queryForm(repo, "sky", params, types, "Show on the sky");
  const out = h("section", { "aria-label": "Sky footprints" });
  show(`Sky ${repo}`, form, out);
  let body;
  try {
    body = await getJson(
      api(
        repo,
        `/sky${query({ datasetType: params.get("datasetType"), collections: params.get("collections") ?? "", where: params.get("where") ?? "" })}`,
      ),
    );
  } catch (err) {
    out.replaceChildren(errorBox(err));
    return;
  }
  const selection = body.footprints.filter((f) => f.kind === "visit" || f.kind === "detector");
  const frame = params.get("frame") === "all" ? "all" : "selection";
  const focus = selection.length > 0 && frame === "selection" ? selection : body.footprints;
  if (focus.length === 0) {
    out.replaceChildren(
      h("p", { class: "note" }, "No footprints: the datasets found have no regions in the registry."),
    );
    return;
  }
  const [ra0, dec0] = centreOf(focus.flatMap((f) => f.vertices));
  const project = tangentProjection(ra0, dec0);
  const projected = body.footprints.map((f) => ({ ...f, points: f.vertices.map(project) }));
  const focused = projected.filter((_f, i) => focus.includes(body.footprints[i]));
  const xs = focused.flatMap((f) => f.points.map((p) => p[0]));
  const ys = focused.flatMap((f) => f.points.map((p) => p[1]));
  const pad = 0.1 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1e-4);
  const viewBox = [
    Math.min(...xs) - pad,
    Math.min(...ys) - pad,
    Math.max(...xs) - Math.min(...xs) + 2 * pad,
    Math.max(...ys) - Math.min(...ys) + 2 * pad,
  ];
  const order = { tract: 0, patch: 1, visit: 2, detector: 3 };
  const shapes = projected
    .sort((a, b) => order[a.kind] - order[b.kind])
    .map((f) => {
      const polygon = h(
        "svg:polygon",
        { class: f.kind, points: f.points.map((p) => p.join(",")).join(" ") },
        h("svg:title", {}, f.label),
      );
      return f.datasetId
        ? h(
            "svg:a",
            {
              href: link("dataset", repo, `/${f.datasetId}`),
              "aria-label": `${f.label}: open the dataset`,
              "data-kind": f.kind,
            },
            polygon,
          )
        : h("svg:g", { "data-kind": f.kind }, polygon);
    });
  const svg = h(
    "svg:svg",
    {
      class: "sky",
      viewBox: viewBox.join(" "),
      role: "group",
      "aria-label": `Footprints around RA ${ra0.toFixed(4)}°, Dec ${dec0.toFixed(4)}° (tangent plane, north up, east left)`,
      preserveAspectRatio: "xMidYMid meet",
    },
    shapes,
  );
  const counts = {};
  for (const f of body.footprints) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  const plural = { visit: "visits", detector: "detectors", tract: "tracts", patch: "patches" };
  const frameChoice = h(
    "select",
    { id: "sky-frame" },
    h("option", { value: "selection", selected: frame === "selection" }, "the datasets found"),
    h("option", { value: "all", selected: frame === "all" }, "everything, tracts and patches included"),
  );
  frameChoice.addEventListener("change", () => {
    params.set("frame", frameChoice.value);
    location.hash = link("sky", repo, "", Object.fromEntries(params));
  });
  out.replaceChildren(
    h(
      "p",
      {},
      `${body.datasets} datasets${body.truncated ? " (the first ones)" : ""}; ` +
        Object.entries(counts)
          .map(([k, n]) => `${n} ${n === 1 ? k : plural[k]}`)
          .join(", ") +
        `. Centre RA ${ra0.toFixed(4)}°, Dec ${dec0.toFixed(4)}°; tangent-plane projection, north up, east left. Detector footprints open their datasets.`,
    ),
    h("p", {}, h("label", { for: "sky-frame" }, "Frame "), frameChoice),
    svg,
  );
}
