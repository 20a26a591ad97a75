// The authorization attributes of a kubelet-port request, mapped as kubelet
// maps them: the HTTP method to a verb, the path to a subresource of nodes.

import { ByteBuf } from "../lib/bytes";
import { T, Text, textBytes, textLen } from "../lib/text";
import { bytesEqual } from "../lib/bytes";

export function requestVerb(method: ByteBuf): Text {
  if (method.equalsAscii(T("POST"))) return T("create");
  if (method.equalsAscii(T("PUT"))) return T("update");
  if (method.equalsAscii(T("PATCH"))) return T("patch");
  if (method.equalsAscii(T("DELETE"))) return T("delete");
  return T("get"); // GET, HEAD (and anything else, which then gets its 405)
}

/** path is prefix itself or below it ("/metrics", "/metrics/resource", not "/metricsx"). */
function isSubpath(path: ByteBuf, prefix: Text): bool {
  const n = textLen(prefix);
  if (path.len < n || !bytesEqual(path.ptr, textBytes(prefix), n)) return false;
  return path.len == n || path.at(n) == 0x2f;
}

export function requestSubresource(path: ByteBuf): Text {
  if (isSubpath(path, T("/stats"))) return T("stats");
  if (isSubpath(path, T("/metrics"))) return T("metrics");
  if (isSubpath(path, T("/logs"))) return T("log");
  if (isSubpath(path, T("/spec"))) return T("spec");
  return T("proxy");
}
