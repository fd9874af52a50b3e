// The butler's web page: a hash-routed single page over /web/api (no framework, nothing from the internet).
// Pages: #/repo/NAME, #/search/NAME?…, #/dataset/NAME/ID, #/image/NAME/ID?…, #/sky/NAME?…

import { accessNotice, apiFetch, fileLink, forgetToken, saveFile, tokenOf } from "./auth.js";
import { h } from "./dom.js";

const main = document.getElementById("main");
const repoChoice = document.getElementById("repo-choice");
const forgetButton = document.getElementById("forget-token");

function api(repo, path) {
  return `/web/api/${encodeURIComponent(repo)}${path}`;
}

/** JSON from the API; a failure throws an ApiError carrying the server's {error_type, detail}. */
async function getJson(url) {
  return (await apiFetch(url)).json();
}

function errorBox(err) {
  return h("pre", { class: "error", role: "alert" }, err.message);
}

function query(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, String(v));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

function parseHash() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [path, search = ""] = hash.split("?");
  const parts = path.split("/").filter((p) => p !== "");
  return { page: parts[0] ?? "", repo: parts[1], id: parts[2], params: new URLSearchParams(search) };
}

function link(page, repo, rest = "", params = {}) {
  return `#/${page}/${encodeURIComponent(repo)}${rest}${query(params)}`;
}

function show(title, ...content) {
  document.title = `${title} · butler`;
  main.replaceChildren(h("h1", {}, title), ...content.filter((c) => c !== null && c !== undefined));
}

function formatValue(value) {
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

// ---- repository ------------------------------------------------------------------------------------

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

async function repositoryPage(repo) {
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

// ---- search ----------------------------------------------------------------------------------------

const searchTypes = new Map();

async function datasetTypesOf(repo) {
  if (!searchTypes.has(repo)) searchTypes.set(repo, (await getJson(api(repo, "/summary"))).datasetTypes);
  return searchTypes.get(repo);
}

function queryForm(repo, page, params, types, submitLabel) {
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

async function searchPage(repo, params) {
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

// ---- dataset ---------------------------------------------------------------------------------------

function fields(entries) {
  return h(
    "dl",
    { class: "fields" },
    entries
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v instanceof Node ? v : formatValue(v))]),
  );
}

function sky(p) {
  return `${p.ra.toFixed(6)}, ${p.dec.toFixed(6)}`;
}

async function datasetPage(repo, id) {
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

// ---- image -----------------------------------------------------------------------------------------

async function imagePage(repo, id, params) {
  const d = await getJson(api(repo, `/dataset/${id}`));
  const planes = await getJson(api(repo, `/dataset/${id}/planes`));
  const state = {
    plane: params.get("plane") ?? "image",
    stretch: params.get("stretch") ?? "asinh",
    masks: new Set((params.get("masks") ?? "").split(",").filter((m) => m !== "")),
    size: Number(params.get("size") ?? 1024),
    scale: 1,
    tx: 0,
    ty: 0,
    drawing: false,
  };
  const img = h("img", { id: "preview", alt: `Preview of ${d.datasetType} ${d.id}`, draggable: "false" });
  // A sharper picture of the zoomed-in region, laid over the preview (same stretch limits).
  const detail = h("img", { id: "detail", alt: "", draggable: "false", hidden: true });
  const layer = h("div", { class: "layer" }, img, detail);
  const boxEl = h("div", { class: "box", hidden: true });
  const viewport = h(
    "div",
    {
      class: "viewport",
      id: "viewport",
      tabindex: "0",
      role: "img",
      "aria-label": "Image viewer: arrows pan, + and − zoom, 0 resets, b draws a box",
    },
    layer,
    boxEl,
  );
  const status = h(
    "div",
    { class: "status", id: "pointer-status", "aria-live": "off" },
    "Move the pointer over the image.",
  );
  const info = h("div", { class: "status", id: "preview-info" });
  const boxStatus = h("div", { class: "status", id: "box-status", "aria-live": "polite" });
  let geometry;

  const planeSelect = h(
    "select",
    { id: "i-plane" },
    ["image", "mask", "variance"].map((p) => h("option", { value: p, selected: p === state.plane }, p)),
  );
  const stretchSelect = h(
    "select",
    { id: "i-stretch" },
    ["asinh", "zscale"].map((s) => h("option", { value: s, selected: s === state.stretch }, s)),
  );
  const drawButton = h(
    "button",
    { type: "button", id: "draw-box", "aria-pressed": "false" },
    "Draw a box to cut out",
  );
  const maskToggles = h(
    "fieldset",
    { id: "mask-planes" },
    h("legend", {}, "Mask planes"),
    Object.keys(planes.maskPlanes)
      .sort()
      .map((name) => {
        const box = h("input", {
          type: "checkbox",
          id: `mask-${name}`,
          value: name,
          checked: state.masks.has(name),
        });
        box.addEventListener("change", () => {
          if (box.checked) state.masks.add(name);
          else state.masks.delete(name);
          load();
        });
        return h(
          "label",
          { for: `mask-${name}` },
          box,
          h("span", { class: "swatch", style: `background:${planes.colours[name]}` }),
          name,
          " ",
        );
      }),
  );

  function applyTransform() {
    layer.style.transform = `translate(${state.tx}px, ${state.ty}px) scale(${state.scale})`;
    clearTimeout(detailTimer);
    detailTimer = setTimeout(() => loadDetail().catch(() => {}), 250);
  }

  function fit() {
    if (!geometry) return;
    const w = viewport.clientWidth;
    const hgt = viewport.clientHeight;
    state.scale = Math.min(w / img.naturalWidth, hgt / img.naturalHeight);
    state.tx = (w - img.naturalWidth * state.scale) / 2;
    state.ty = (hgt - img.naturalHeight * state.scale) / 2;
    applyTransform();
  }

  let detailTimer;
  let detailAsked = "";
  /** When the preview is magnified and was subsampled, fetches the visible region at screen resolution. */
  async function loadDetail() {
    if (!geometry || geometry.step === 1 || state.scale <= 1.2) {
      detail.hidden = true;
      return;
    }
    const { x0, y0, width, height, step } = geometry;
    const rows = img.naturalHeight;
    const vx0 = Math.max(0, -state.tx / state.scale);
    const vy0 = Math.max(0, -state.ty / state.scale);
    const vx1 = Math.min(img.naturalWidth, vx0 + viewport.clientWidth / state.scale);
    const vy1 = Math.min(rows, vy0 + viewport.clientHeight / state.scale);
    if (vx1 <= vx0 || vy1 <= vy0) return;
    const bbox = [
      x0 + Math.floor(vx0 * step),
      y0 + Math.max(0, Math.floor((rows - vy1) * step)),
      x0 + Math.min(width, Math.ceil(vx1 * step)) - 1,
      y0 + Math.min(height, Math.ceil((rows - vy0) * step)) - 1,
    ].join(",");
    const size = Math.ceil(Math.max(viewport.clientWidth, viewport.clientHeight));
    const url = api(
      repo,
      `/dataset/${id}/preview.png${query({ plane: state.plane, stretch: state.stretch, size, bbox, limits: geometry.limits.join(","), masks: [...state.masks].join(",") })}`,
    );
    if (url === detailAsked) return;
    detailAsked = url;
    const response = await apiFetch(url);
    if (url !== detailAsked) return;
    const g = JSON.parse(response.headers.get("x-preview"));
    const old = detail.src;
    detail.src = URL.createObjectURL(await response.blob());
    await detail.decode();
    if (old) URL.revokeObjectURL(old);
    Object.assign(detail.style, {
      left: `${(g.x0 - x0) / step}px`,
      top: `${rows - (g.y0 + g.height - y0) / step}px`,
      width: `${g.width / step}px`,
      height: `${g.height / step}px`,
    });
    detail.dataset.bbox = bbox;
    detail.dataset.step = g.step;
    detail.hidden = false;
  }

  async function load() {
    detail.hidden = true;
    detailAsked = "";
    const url = api(
      repo,
      `/dataset/${id}/preview.png${query({ plane: state.plane, stretch: state.stretch, size: state.size, masks: [...state.masks].join(",") })}`,
    );
    let response;
    try {
      response = await apiFetch(url);
    } catch (err) {
      if (err.isAccess) failed(err);
      else info.replaceChildren(errorBox(err));
      return;
    }
    const first = geometry === undefined;
    geometry = JSON.parse(response.headers.get("x-preview"));
    const blob = await response.blob();
    const old = img.src;
    img.src = URL.createObjectURL(blob);
    await img.decode();
    if (old) URL.revokeObjectURL(old);
    img.dataset.stretch = state.stretch;
    img.dataset.plane = state.plane;
    img.dataset.loaded = String(Date.now());
    info.textContent =
      `${geometry.width}×${geometry.height} pixels shown every ${geometry.step} pixel(s); ` +
      `limits ${geometry.limits.map((v) => v.toPrecision(5)).join(" – ")}; ` +
      `fetched ${geometry.bytesRead.toLocaleString()} bytes, headers included (the plane holds ${geometry.planeBytes.toLocaleString()}), in ${geometry.serverMs} ms`;
    if (first) fit();
    else applyTransform();
  }

  /** PARENT pixel under a client position (fractional). */
  function pixelAt(clientX, clientY) {
    const rect = img.getBoundingClientRect();
    const fx = ((clientX - rect.left) / rect.width) * img.naturalWidth;
    const fy = ((clientY - rect.top) / rect.height) * img.naturalHeight;
    const x = Math.floor(fx * geometry.step);
    const y = Math.floor((img.naturalHeight - fy) * geometry.step - 1e-9);
    return {
      x: geometry.x0 + Math.min(geometry.width - 1, Math.max(0, x)),
      y: geometry.y0 + Math.min(geometry.height - 1, Math.max(0, y)),
      inside: fx >= 0 && fy >= 0 && fx < img.naturalWidth && fy < img.naturalHeight,
    };
  }

  let pending;
  let lastAsked = "";
  async function describe(p) {
    const key = `${p.x},${p.y}`;
    if (key === lastAsked) return;
    lastAsked = key;
    const body = await getJson(api(repo, `/dataset/${id}/pixel${query({ x: p.x, y: p.y })}`));
    if (lastAsked !== key) return;
    status.dataset.x = body.x;
    status.dataset.y = body.y;
    status.dataset.ra = body.ra;
    status.dataset.dec = body.dec;
    status.textContent =
      `x ${body.x}  y ${body.y}  value ${formatValue(body.image)}  var ${formatValue(body.variance)}` +
      `  mask ${body.maskPlanes?.join("|") || "0"}` +
      (body.ra === undefined ? "" : `  RA ${body.ra.toFixed(6)}°  Dec ${body.dec.toFixed(6)}°`);
  }

  let drag;
  viewport.addEventListener("pointerdown", (event) => {
    viewport.setPointerCapture(event.pointerId);
    drag = { x: event.clientX, y: event.clientY, tx: state.tx, ty: state.ty, box: state.drawing };
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!geometry) return;
    if (drag?.box) {
      const v = viewport.getBoundingClientRect();
      const [x0, x1] = [drag.x, event.clientX].sort((a, b) => a - b);
      const [y0, y1] = [drag.y, event.clientY].sort((a, b) => a - b);
      Object.assign(boxEl.style, {
        left: `${x0 - v.left}px`,
        top: `${y0 - v.top}px`,
        width: `${x1 - x0}px`,
        height: `${y1 - y0}px`,
      });
      boxEl.hidden = false;
    } else if (drag) {
      state.tx = drag.tx + event.clientX - drag.x;
      state.ty = drag.ty + event.clientY - drag.y;
      applyTransform();
    }
    const p = pixelAt(event.clientX, event.clientY);
    if (!p.inside) return;
    clearTimeout(pending);
    pending = setTimeout(() => describe(p).catch((err) => (status.textContent = err.message)), 40);
  });
  viewport.addEventListener("pointerup", (event) => {
    const started = drag;
    drag = undefined;
    if (!started?.box || !geometry) return;
    const a = pixelAt(started.x, started.y);
    const b = pixelAt(event.clientX, event.clientY);
    boxEl.hidden = true;
    setDrawing(false);
    cutout(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y));
  });
  viewport.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const v = viewport.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - v.left, event.clientY - v.top);
    },
    { passive: false },
  );
  viewport.addEventListener("keydown", (event) => {
    const stepPx = 40;
    const keys = {
      ArrowLeft: () => (state.tx += stepPx),
      ArrowRight: () => (state.tx -= stepPx),
      ArrowUp: () => (state.ty += stepPx),
      ArrowDown: () => (state.ty -= stepPx),
      "+": () => zoom(1.25),
      "=": () => zoom(1.25),
      "-": () => zoom(0.8),
      0: () => fit(),
      b: () => setDrawing(!state.drawing),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
    applyTransform();
  });

  function zoom(factor, cx = viewport.clientWidth / 2, cy = viewport.clientHeight / 2) {
    state.tx = cx - (cx - state.tx) * factor;
    state.ty = cy - (cy - state.ty) * factor;
    state.scale *= factor;
    applyTransform();
  }

  function setDrawing(on) {
    state.drawing = on;
    drawButton.setAttribute("aria-pressed", String(on));
    viewport.style.cursor = on ? "cell" : "crosshair";
  }

  function cutout(x0, y0, x1, y1) {
    const bbox = `${x0},${y0},${x1},${y1}`;
    boxStatus.dataset.bbox = bbox;
    boxStatus.textContent = `Cut-out box ${bbox} (inclusive PARENT pixels): downloading FITS…`;
    const url = api(repo, `/dataset/${id}/cutout.fits${query({ bbox })}`);
    if (tokenOf(repo) !== undefined) {
      saveFile(url, "cutout.fits").catch(failed);
      return;
    }
    const a = h("a", { href: url, download: "" });
    document.body.append(a);
    a.click();
    a.remove();
  }

  planeSelect.addEventListener("change", () => {
    state.plane = planeSelect.value;
    load();
  });
  stretchSelect.addEventListener("change", () => {
    state.stretch = stretchSelect.value;
    load();
  });
  drawButton.addEventListener("click", () => setDrawing(!state.drawing));
  const zoomIn = h("button", { type: "button", "aria-label": "Zoom in", onclick: () => zoom(1.25) }, "+");
  const zoomOut = h("button", { type: "button", "aria-label": "Zoom out", onclick: () => zoom(0.8) }, "−");
  const reset = h("button", { type: "button", onclick: () => fit() }, "Fit");

  show(
    `Image of ${d.datasetType} ${Object.values(d.dataId).map(formatValue).join(" ")}`,
    h("p", {}, h("a", { href: link("dataset", repo, `/${id}`) }, "← Dataset details")),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "i-plane" }, "Plane "),
      planeSelect,
      h("label", { for: "i-stretch" }, "Stretch "),
      stretchSelect,
      zoomIn,
      zoomOut,
      reset,
      drawButton,
    ),
    maskToggles,
    viewport,
    status,
    boxStatus,
    info,
  );
  await load();
}

// ---- sky -------------------------------------------------------------------------------------------

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

async function skyPage(repo, params) {
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

// ---- routing ---------------------------------------------------------------------------------------

let repositories = [];

async function route() {
  const { page, repo: named, id, params } = parseHash();
  const repo = named ?? repositories[0];
  if (repo === undefined) {
    show("No repository is served here");
    return;
  }
  repoChoice.value = repo;
  forgetButton.hidden = tokenOf(repo) === undefined;
  document.getElementById("nav-repo").href = link("repo", repo);
  document.getElementById("nav-search").href = link("search", repo);
  document.getElementById("nav-sky").href = link("sky", repo);
  try {
    if (page === "search") await searchPage(repo, params);
    else if (page === "dataset" && id) await datasetPage(repo, id);
    else if (page === "image" && id) await imagePage(repo, id, params);
    else if (page === "sky") await skyPage(repo, params);
    else await repositoryPage(repo);
  } catch (err) {
    if (err.isAccess) showAccess(err, repo);
    else show("Error", errorBox(err));
  }
  main.dataset.ready = location.hash;
}

/** The token field or the refusal in place of the page the server would not show. */
function showAccess(err, repo) {
  const notice = accessNotice(repo, err, route);
  show(notice.title, ...notice.content);
  forgetButton.hidden = tokenOf(repo) === undefined;
}

/** A failure outside rendering (a download, a reloaded preview): the refusal page, else an alert. */
function failed(err) {
  if (err.isAccess) showAccess(err, err.repo ?? parseHash().repo ?? repositories[0]);
  else main.prepend(errorBox(err));
}

async function start() {
  repositories = (await getJson("/web/api/repositories")).repositories;
  repoChoice.replaceChildren(...repositories.map((r) => h("option", { value: r }, r)));
  forgetButton.addEventListener("click", () => {
    forgetToken(repoChoice.value);
    route();
  });
  repoChoice.addEventListener("change", () => {
    location.hash = link("repo", repoChoice.value);
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
