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

// Indexed by R_*, three words per route: path, method bits, Allow header.
// Static data, not objects: nothing to build at start-up. GET routes also
// answer HEAD.
const GET_HEAD = M_GET | M_HEAD;
const ROUTE_TABLE: usize = memory.data<u32>([
  T("/healthz"), GET_HEAD, T("GET, HEAD"),
  T("/livez"), GET_HEAD, T("GET, HEAD"),
  T("/readyz"), GET_HEAD, T("GET, HEAD"),
  T("/pods"), GET_HEAD, T("GET, HEAD"),
  T("/spec"), GET_HEAD, T("GET, HEAD"),
  T("/metrics"), GET_HEAD, T("GET, HEAD"),
  T("/metrics/resource"), GET_HEAD, T("GET, HEAD"),
  T("/pico/status"), GET_HEAD, T("GET, HEAD"),
  T("/pico/memory"), GET_HEAD, T("GET, HEAD"),
  T("/pico/command"), M_POST, T("POST"),
]);
const ROUTE_COUNT = 10;

@inline function routeWord(index: i32, word: i32): u32 {
  return load<u32>(ROUTE_TABLE + <usize>((index * 3 + word) << 2));
}

export function routePath(index: i32): Text {
  return routeWord(index, 0);
}

/** M_* bits the route accepts. */
export function routeMethods(index: i32): i32 {
  return routeWord(index, 1);
}

/** The Allow header of a 405 for the route. */
export function routeAllow(index: i32): Text {
  return routeWord(index, 2);
}

export function methodBit(m: ByteBuf): i32 {
  if (m.equalsAscii(T("GET"))) return M_GET;
  if (m.equalsAscii(T("HEAD"))) return M_HEAD;
  if (m.equalsAscii(T("POST"))) return M_POST;
  return M_OTHER;
}

/** Route index for an exact path, or -1. */
export function findRoute(path: ByteBuf): i32 {
  for (let i = 0; i < ROUTE_COUNT; i++) if (path.equalsAscii(routePath(i))) return i;
  return -1;
}

/** Path label for metrics (bounded set). */
export function routeLabel(index: i32): Text {
  if (index >= 0 && index < ROUTE_COUNT) return routePath(index);
  return index == R_MALFORMED ? T("malformed") : T("other");
}
