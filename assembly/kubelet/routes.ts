// The kubelet port's one route table: exact method + path. A known path with
// another method gets 405 and an Allow header built from the same table.

import { ByteBuf } from "../lib/bytes";

export const M_GET: i32 = 1;
export const M_HEAD: i32 = 2;
export const M_POST: i32 = 4;
export const M_OTHER: i32 = 8;

export const R_HEALTHZ = 0;
export const R_LIVEZ = 1;
export const R_READYZ = 2;
export const R_PODS = 3;
export const R_SPEC = 4;
export const R_METRICS = 5;
export const R_METRICS_RESOURCE = 6;
export const R_PICO_STATUS = 7;
export const R_PICO_MEMORY = 8;
export const R_PICO_COMMAND = 9;
/** Metrics keys for requests that matched no route or never parsed. */
export const R_UNKNOWN = 14;
export const R_MALFORMED = 15;

export class Route {
  constructor(public path: string, public methods: i32, public allow: string) {}
}

// Indexed by R_*; GET routes also answer HEAD.
export const ROUTES: StaticArray<Route> = [
  new Route("/healthz", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/livez", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/readyz", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/pods", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/spec", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/metrics", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/metrics/resource", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/pico/status", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/pico/memory", M_GET | M_HEAD, "GET, HEAD"),
  new Route("/pico/command", M_POST, "POST"),
];

export function methodBit(m: ByteBuf): i32 {
  if (m.equalsAscii("GET")) return M_GET;
  if (m.equalsAscii("HEAD")) return M_HEAD;
  if (m.equalsAscii("POST")) return M_POST;
  return M_OTHER;
}

/** Route index for an exact path, or -1. */
export function findRoute(path: ByteBuf): i32 {
  for (let i = 0; i < ROUTES.length; i++) if (path.equalsAscii(ROUTES[i].path)) return i;
  return -1;
}

/** Path label for metrics (bounded set). */
export function routeLabel(index: i32): string {
  if (index >= 0 && index < ROUTES.length) return ROUTES[index].path;
  return index == R_MALFORMED ? "malformed" : "other";
}
