// The node's life as the exact calls a host makes into the core, for
// native/posix/replay.c to play through an engine and time: the release
// core.wasm runs under the scripted fake host (tests/host/), and every export
// call (with the bytes put in io_buffer first) and every answer of an import
// the C host takes from its HAL is written down, with the operations the
// benchmarks time marked as ranges of calls:
//   io HEX                    bytes to write to io_buffer before the next call
//   call NAME ARGS…           an export call
//   hal NAME VALUE            what the HAL answered, in order (text as hex)
//   op FIRST LAST LABEL       calls FIRST..LAST make one operation ("boot" also counts loading the module)
import { FakeHost, apiResponse, chunk } from "../tests/host/fake_host.mjs";
import { CONFIG, NODE, configMap, configMapList, leaseObject, nodeObject, registerAll, requestTo } from "../tests/host/helpers.mjs";

// Imports the C host answers through its HAL (host_imports.c): their answers are replayed.
const HAL_IMPORTS = ["net_open", "net_send", "net_close", "net_ipv4", "net_rssi_dbm", "board_unique_id", "board_platform",
  "board_free_heap", "board_temperature_mc", "board_cpu_busy_ms", "random_u32", "led_set"];
const DATA_EXPORTS = new Set(["configure", "on_net_data", "on_server_data"]);
const LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
const LEASE = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`;

/** 1024 entries covering the region. */
const memoryValues = (seed) => Array.from({ length: 1024 }, (_, i) => `${i}=0x${((i * 7 + seed) & 255).toString(16)}`).join(",");

export async function recordScenario() {
  const lines = [];
  let calls = 0;
  const h = new FakeHost();
  for (const name of HAL_IMPORTS) {
    const original = FakeHost.prototype[`_${name}`];
    h[`_${name}`] = function (...args) {
      const value = original.apply(this, args);
      const text = { board_unique_id: this.uniqueId, board_platform: "fake host" }[name];
      lines.push(`hal ${name} ${text !== undefined ? Buffer.from(text).toString("hex") : (value ?? 0) | 0}`);
      return value;
    };
  }
  await h.load();
  const exports = h.instance.exports;
  h.x = { ...exports };
  for (const [name, fn] of Object.entries(exports)) {
    if (typeof fn !== "function" || name === "io_buffer" || name === "io_capacity") continue;
    h.x[name] = (...args) => {
      if (DATA_EXPORTS.has(name)) lines.push(`io ${Buffer.from(h.mem.subarray(exports.io_buffer(), exports.io_buffer() + args.at(-1))).toString("hex")}`);
      lines.push(`call ${name} ${args.map((a) => a >>> 0).join(" ")}`.trimEnd());
      calls++;
      return fn(...args);
    };
  }
  const op = (first, label) => lines.push(`op ${first} ${calls - 1} ${label}`);

  /**
   * Lets time pass until the core sends `method prefix`, answering what else it sends; the
   * operation runs from the tick that started the request to the answer's delivery
   * (or, with `untilSent`, to the request going out).
   */
  const timed = (label, method, prefix, answer, { untilSent = false } = {}) => {
    for (let i = 0; i < 4000; i++) {
      const first = calls;
      h.tick(50);
      for (const x of h.pending()) if (!x.open) h.connect(x); // a new connection: the request goes out once it is up
      const c = h.pending().find((x) => x.out.length); // or on one kept alive
      if (!c) continue;
      const req = h.takeRequest(c);
      const wanted = req.method === method && req.target.startsWith(prefix);
      if (wanted && untilSent) op(first, label);
      h.deliver(c, wanted ? answer : req.method === "PATCH" ? apiResponse(200, nodeObject()) : apiResponse(200, leaseObject("700")));
      if (wanted && !untilSent) op(first, label);
      if (wanted) return;
    }
    throw new Error(`the core sent no ${method} ${prefix}`);
  };

  h.configure(CONFIG);
  h.start();
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  op(0, "boot → first API request");
  registerAll(h, reg);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList("100", [configMap("100", memoryValues(1))])));
  h.tick(50);
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));

  let first = calls;
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap("101", memoryValues(2)) }) + "\n"));
  op(first, "ConfigMap apply, 1024 entries");
  timed("status build (PATCH written)", "PATCH", `/api/v1/nodes/${NODE}/status`, apiResponse(200, nodeObject()), { untilSent: true });
  timed("Lease renewal (PUT round trip)", "PUT", LEASE, apiResponse(200, leaseObject("601")));
  for (const path of ["/healthz", "/pico/memory", "/metrics", "/pico/status"]) {
    const request = `GET ${path} HTTP/1.1\r\nHost: pico\r\n\r\n`;
    h.client(request); // as in the emulator's "again": the operation's second run
    first = calls;
    h.client(request);
    op(first, path);
  }
  return lines.join("\n") + "\n";
}
