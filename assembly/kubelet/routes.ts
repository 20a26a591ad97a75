// The kubelet port's one route table: exact method + path. A known path with
// another method gets 405 and an Allow header built from the same table.

import { ByteBuf } from "../lib/bytes";
import { T, Text } from "../lib/text";

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

// Plain data, created once: no managed header needed.
@unmanaged
export class Route {
  constructor(public path: Text, public methods: i32, public allow: Text) {}
}

// Indexed by R_*; GET routes also answer HEAD.
export const ROUTES: StaticArray<Route> = [
  new Route(T("/healthz"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/livez"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/readyz"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/pods"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/spec"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/metrics"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/metrics/resource"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/pico/status"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/pico/memory"), M_GET | M_HEAD, T("GET, HEAD")),
  new Route(T("/pico/command"), M_POST, T("POST")),
];

export function methodBit(m: ByteBuf): i32 {
  if (m.equalsAscii(T("GET"))) return M_GET;
  if (m.equalsAscii(T("HEAD"))) return M_HEAD;
  if (m.equalsAscii(T("POST"))) return M_POST;
  return M_OTHER;
}

/** Route index for an exact path, or -1. */
export function findRoute(path: ByteBuf): i32 {
  for (let i = 0; i < ROUTES.length; i++) if (path.equalsAscii(unchecked(ROUTES[i]).path)) return i;
  return -1;
}

/** Path label for metrics (bounded set). */
export function routeLabel(index: i32): Text {
  if (index >= 0 && index < ROUTES.length) return unchecked(ROUTES[index]).path;
  return index == R_MALFORMED ? T("malformed") : T("other");
}
