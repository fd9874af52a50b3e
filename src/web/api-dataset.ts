/**
 * Routes of the dataset and image pages: the summary, the primary header, the server-rendered preview,
 * the values under the pointer, and the cutout of a box as FITS (the bytes `butler get --bbox` writes).
 */
import type { FastifyInstance } from "fastify";
import { InvalidArgumentError } from "../errors/index.ts";
import { encodeFits } from "../fits/writer.ts";
import { parseBoxCorners } from "../image/box-text.ts";
import { imageHdus, isImageLike } from "../image/image-hdus.ts";
import type { SkyWcs } from "../image/sky-wcs.ts";
import { component, datasetSummary, findRef, headerCards } from "./dataset-summary.ts";
import { integer, jsonSafe, list, type RepoRequest, type WebPluginOptions, withRepository } from "./http.ts";
import { PLANES, type PlaneName, planeInfo, readPixel, samplePlane } from "./plane-reader.ts";
import { maskColours, renderPreview } from "./render.ts";
import { STRETCHES, type StretchName } from "./stretch.ts";

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], key: string): T {
  const chosen = (value ?? allowed[0]) as T;
  if (!allowed.includes(chosen)) {
    throw new InvalidArgumentError(`'${key}' must be one of ${allowed.join(", ")}; got '${value}'`);
  }
  return chosen;
}

/** `z1,z2`: fixed stretch limits (a zoomed detail keeps the whole image's). */
function limitsOf(value: string | undefined): [number, number] | undefined {
  if (value === undefined || value === "") return undefined;
  const parts = value.split(",").map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[1]! <= parts[0]!) {
    throw new InvalidArgumentError(`limits takes z1,z2 with z2 > z1; got '${value}'`);
  }
  return parts as [number, number];
}

export function datasetRoutes(app: FastifyInstance, options: WebPluginOptions): void {
  const read = { config: { access: "read" as const } };
  app.get("/web/api/:name/dataset/:id", read, (request, reply) => {
    const req = request as RepoRequest;
    return withRepository(options, req, reply, async (butler) =>
      datasetSummary(butler, await findRef(butler, req.params.id!)),
    );
  });
  app.get("/web/api/:name/dataset/:id/header", read, (request, reply) => {
    const req = request as RepoRequest;
    return withRepository(options, req, reply, async (butler) => ({
      cards: await headerCards(butler, await findRef(butler, req.params.id!)),
    }));
  });
  app.get("/web/api/:name/dataset/:id/component/:component", read, (request, reply) => {
    const req = request as RepoRequest & { params: { component: string } };
    return withRepository(options, req, reply, async (butler) => {
      const ref = await findRef(butler, req.params.id!);
      const name = req.params.component;
      const value = await butler.get(butler.componentRef(ref, name));
      if (isImageLike(value)) {
        throw new InvalidArgumentError(`${name} is an image: view it on the image page or cut out a box`);
      }
      const text =
        typeof value === "object" && value !== null && value.toString !== Object.prototype.toString
          ? String(value)
          : JSON.stringify(jsonSafe(value), null, 2);
      return reply.type("text/plain; charset=utf-8").send(text);
    });
  });
  app.get("/web/api/:name/dataset/:id/planes", read, (request, reply) => {
    const req = request as RepoRequest;
    return withRepository(options, req, reply, async (butler) => {
      const info = await planeInfo(butler, await findRef(butler, req.params.id!));
      return { ...info, colours: maskColours(info.maskPlanes) };
    });
  });
  app.get("/web/api/:name/dataset/:id/preview.png", read, (request, reply) => {
    const req = request as RepoRequest;
    return withRepository(options, req, reply, async (butler) => {
      const ref = await findRef(butler, req.params.id!);
      const plane = oneOf<PlaneName>(req.query.plane, PLANES, "plane");
      const stretch = oneOf<StretchName>(req.query.stretch, STRETCHES, "stretch");
      const size = integer(req, "size", 1024, 16, 8192);
      const overlay = list(req, "masks");
      const region = req.query.bbox === undefined ? undefined : parseBoxCorners(req.query.bbox, "bbox");
      const fixed = limitsOf(req.query.limits);
      const started = performance.now();
      const sample = await samplePlane(butler, ref, plane, size, region);
      const mask =
        overlay.length === 0
          ? undefined
          : plane === "mask"
            ? sample
            : await samplePlane(butler, ref, "mask", size, region);
      const { png, limits } = renderPreview(sample, stretch, mask, overlay, fixed);
      return reply
        .type("image/png")
        .header("cache-control", "no-store")
        .header(
          "x-preview",
          JSON.stringify({
            x0: sample.x0,
            y0: sample.y0,
            width: sample.width,
            height: sample.height,
            step: sample.step,
            limits,
            bytesRead: sample.bytesRead + (mask === undefined || mask === sample ? 0 : mask.bytesRead),
            planeBytes: sample.planeBytes,
            serverMs: Math.round(performance.now() - started),
          }),
        )
        .send(png);
    });
  });
  app.get("/web/api/:name/dataset/:id/pixel", read, (request, reply) => {
    const req = request as RepoRequest;
    return withRepository(options, req, reply, async (butler) => {
      const ref = await findRef(butler, req.params.id!);
      const x = integer(req, "x", 0, -1e9, 1e9);
      const y = integer(req, "y", 0, -1e9, 1e9);
      const values = await readPixel(butler, ref, x, y);
      const wcs = await component<SkyWcs>(butler, ref, "wcs");
      const sky = wcs?.pixelToSky(x, y);
      return { x, y, inside: values !== undefined, ...(values ?? {}), ...(sky === undefined ? {} : sky) };
    });
  });
  app.get("/web/api/:name/dataset/:id/cutout.fits", read, (request, reply) => {
    const req = request as RepoRequest;
    return withRepository(options, req, reply, async (butler) => {
      const ref = await findRef(butler, req.params.id!);
      const bbox = parseBoxCorners(req.query.bbox ?? "", "bbox");
      const hdus = await imageHdus(await butler.get(ref, null, { parameters: { bbox } }));
      if (hdus === undefined) {
        throw new InvalidArgumentError(`${ref.datasetType.name} is not an image; only images have cutouts`);
      }
      const name = `${ref.datasetType.name}_${ref.id}_${bbox.minX}_${bbox.minY}_${bbox.maxX}_${bbox.maxY}.fits`;
      return reply
        .type("application/fits")
        .header("content-disposition", `attachment; filename="${name}"`)
        .send(Buffer.from(encodeFits(hdus).bytes));
    });
  });
}
