// What must hold after every fuzz input, as pure checks over what the harness
// observed. Each failure is { oracle, detail }; the runner groups failures by
// oracle and target, minimises one input per group and saves it.
import { parseMemoryValues } from "../../dist/tests/fuzz/reference/memory_values.js";
import { NODE } from "./world.mjs";

export const ORACLES = {
  trap: "the core trapped",
  memory: "bytes changed above mem_used()",
  region: "the region changed other than by an accepted memory_values, whole",
  apiHttp: "a request to the API server is not valid HTTP/1.1 with a valid UTF-8 JSON body",
  apiSemantics: "a request the API server would refuse, a resourceVersion sent back cut, or a Lease renewTime out of order",
  apiRate: "the same API request sent again and again within one tick (a loop with no backoff), or reviews no kubelet-port client asked for",
  kubeletHttp: "a kubelet-port response is not valid HTTP/1.1 with a valid UTF-8 JSON body",
  kubeletAnswer: "a kubelet-port request not answered exactly once, answered with the wrong status, or kept waiting for its reviews past request_timeout_ms",
  slots: "fresh kubelet requests are not served after the input (a leaked slot)",
  leaseLiveness: "no Lease renewal within 10 s (plus the delays the faults allow) after the faults stopped, or /readyz not 200",
  configLiveness: "the healthy ConfigMap version not applied in time after the faults stopped",
  certLiveness: "with TLS, no serving certificate installed in time after CSR faults stopped",
  memoryValues: "the core and the reference parser disagree on a memory_values",
};

const RENEW_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z$/;

/**
 * Checks one Lease body the core wrote. Returns a problem or "" and updates
 * state.lastRenewTime (renewTime must strictly increase over the core's life).
 */
export function leaseBodyProblem(json, body, state) {
  const owner = json?.metadata?.ownerReferences?.[0];
  if (json?.spec?.holderIdentity !== NODE || json?.metadata?.name !== NODE) return "Lease names another holder";
  if (!owner || typeof owner.uid !== "string" || owner.uid === "") return `Lease ownerReferences[0].uid is ${JSON.stringify(owner?.uid)} (the API server requires a uid)`;
  const t = json.spec.renewTime;
  const m = RENEW_TIME.exec(t ?? "");
  if (!m) return `renewTime ${JSON.stringify(t)} is not RFC 3339 with microseconds`;
  const year = Number(m[1]);
  if (year < 2020 || year > 2200) return `renewTime ${t} outside 2020–2200`;
  // The channel may send the very same write again on a fresh connection (the kept-alive one had closed).
  const text = body.toString("latin1");
  const resent = t === state.lastRenewTime && text === state.lastLeaseBody;
  if (state.lastRenewTime && t <= state.lastRenewTime && !resent) return `renewTime ${t} not after the previous ${state.lastRenewTime}`;
  state.lastRenewTime = t;
  state.lastLeaseBody = text;
  return "";
}

/** Checks a status PATCH body: conditions present and typed. */
export function statusBodyProblem(json) {
  const conds = json?.status?.conditions;
  if (!Array.isArray(conds) || conds.length === 0) return "status PATCH without conditions";
  for (const c of conds) {
    if (typeof c.type !== "string" || !["True", "False", "Unknown"].includes(c.status)) return `condition ${JSON.stringify(c).slice(0, 80)} malformed`;
    if (typeof c.message !== "string" || typeof c.reason !== "string") return `condition ${c.type} without reason/message strings`;
  }
  return "";
}

/** memory_values literals (as bytes) found in bytes the core read: raw and with chunk framing removed. */
export function memoryValuesCandidates(bytes) {
  const text = Buffer.from(bytes).toString("latin1");
  const dechunked = text.replace(/\r?\n[0-9a-fA-F]+[ \t]*(;[^\r\n]*)?\r?\n/g, "");
  const out = [];
  for (const t of [text, dechunked]) {
    for (const m of t.matchAll(/"memory_values"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) out.push(unescapeJsonBytes(m[1]));
  }
  return out;
}

/** A JSON string body (latin1 text of raw bytes) → the bytes it stands for (escapes UTF-8 encoded). */
export function unescapeJsonBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch !== 0x5c) {
      out.push(ch);
      continue;
    }
    const e = s[++i];
    const simple = { '"': 0x22, "\\": 0x5c, "/": 0x2f, b: 8, f: 12, n: 10, r: 13, t: 9 }[e];
    if (simple !== undefined) out.push(simple);
    else if (e === "u") {
      if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) return Uint8Array.from(out); // not JSON: the core rejects it too
      let cp = parseInt(s.slice(i + 1, i + 5), 16);
      i += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && s[i + 1] === "\\" && s[i + 2] === "u") {
        const lo = /^[0-9a-fA-F]{4}$/.test(s.slice(i + 3, i + 7)) ? parseInt(s.slice(i + 3, i + 7), 16) : 0;
        if (lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
      }
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    }
  }
  return Uint8Array.from(out);
}

/** A region commit is legal if some accepted memory_values the core was reading produces exactly its bytes. */
export function commitProblem(commit, candidates) {
  for (const v of candidates) {
    const r = parseMemoryValues(v);
    if (r.ok && Buffer.compare(Buffer.from(r.region), Buffer.from(commit.bytes)) === 0) return "";
  }
  const set = [...commit.bytes].map((b, i) => (b ? `${i}=${b}` : "")).filter(Boolean).slice(0, 8).join(",");
  return `committed bytes (${set || "all zero"}…) while reading ${commit.context}, which no accepted memory_values among ${candidates.length} seen produces`;
}

/** Log lines reduced to their template, for outcome signatures. */
export function logTemplate(line) {
  return line
    .replace(/\([^)]*\)/g, "()")
    .replace(/"[^"]*"/g, '""')
    .replace(/\d+/g, "#")
    .slice(0, 60);
}
