// The image page: a stretched preview, cutouts by dragging, pixel values and downloads.

import { apiFetch, saveFile, tokenOf } from "./auth.js";
import { h } from "./dom.js";
import { api, errorBox, failed, formatValue, getJson, link, query, show } from "./page.js";

export async function imagePage(repo, id, params) {
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
