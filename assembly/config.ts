// Node configuration: defaults as named constants, overridable by the host's
// configuration text ("key=value" lines, '#' comments), parsed once at boot.

import { ByteBuf, isDigit, asciiEquals } from "./lib/bytes";
import { LOG_ERROR, LOG_INFO, LOG_DEBUG, LOG_WARN, logBegin, logEnd, setLogThreshold } from "./lib/log";
import { Out } from "./lib/out";
import { T, Text, textLen } from "./lib/text";

// Policy defaults, as the kubelet and virtual-kubelet use them (BRIEF §5).
export const DEFAULT_LEASE_DURATION_S: i32 = 40;
export const DEFAULT_LEASE_RENEW_MS: i32 = 10_000;
export const DEFAULT_STATUS_REPORT_MS: i32 = 300_000; // status written at least every 5 min
// Changes within this long after a status write are coalesced into the next one, so a
// burst of ConfigMap edits costs one write a second, not one each (the proxy rate-limits).
export const DEFAULT_STATUS_MIN_INTERVAL_MS: i32 = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS: i32 = 10_000;
export const DEFAULT_WATCH_TIMEOUT_S: i32 = 290; // bounded watches, renewed from the last resourceVersion
export const DEFAULT_BACKOFF_INITIAL_MS: i32 = 200;
export const DEFAULT_LEASE_BACKOFF_MAX_MS: i32 = 7_000;
export const DEFAULT_BACKOFF_MAX_MS: i32 = 30_000;
export const DEFAULT_AUTH_RETRY_MS: i32 = 60_000; // 401/403: a person must fix credentials
export const DEFAULT_LEASE_MAX_TRIES: i32 = 5;
export const DEFAULT_MEMORY_PRESSURE_FREE_BYTES: i32 = 16_384;
export const DEFAULT_KUBELET_PORT: i32 = 10250;
export const DEFAULT_HEALTHZ_PORT: i32 = 10248; // kubelet's --healthz-port
export const DEFAULT_KUBELET_IDLE_TIMEOUT_MS: i32 = 10_000;
// A kept kubelet-port connection waits this long for its next request: past
// metrics-server's 15 s period, within Go's 90 s idle-connection timeout.
export const DEFAULT_KUBELET_KEEPALIVE_IDLE_MS: i32 = 60_000;
export const DEFAULT_CONFIGMAP_NAMESPACE: Text = T("default");
export const DEFAULT_CONFIGMAP_NAME: Text = T("pico-config");

// Plain data, created once: no managed header needed.
@unmanaged
export class Config {
  nodeName: ByteBuf = ByteBuf.create(63);
  /** host:port of the API endpoint (the proxy), from api=http://host:port */
  apiHostPort: ByteBuf = ByteBuf.create(64);
  /** Bearer token sent to the proxy. */
  apiToken: ByteBuf = ByteBuf.create(96);
  configMapNamespace: ByteBuf = ByteBuf.create(63);
  configMapName: ByteBuf = ByteBuf.create(63);
  kubeletPort: i32 = DEFAULT_KUBELET_PORT;
  healthzPort: i32 = DEFAULT_HEALTHZ_PORT;
  leaseDurationS: i32 = DEFAULT_LEASE_DURATION_S;
  leaseRenewMs: i32 = DEFAULT_LEASE_RENEW_MS;
  statusReportMs: i32 = DEFAULT_STATUS_REPORT_MS;
  requestTimeoutMs: i32 = DEFAULT_REQUEST_TIMEOUT_MS;
  watchTimeoutS: i32 = DEFAULT_WATCH_TIMEOUT_S;
  backoffInitialMs: i32 = DEFAULT_BACKOFF_INITIAL_MS;
  leaseBackoffMaxMs: i32 = DEFAULT_LEASE_BACKOFF_MAX_MS;
  backoffMaxMs: i32 = DEFAULT_BACKOFF_MAX_MS;
  authRetryMs: i32 = DEFAULT_AUTH_RETRY_MS;
  memoryPressureFreeBytes: i32 = DEFAULT_MEMORY_PRESSURE_FREE_BYTES;
  kubeletIdleTimeoutMs: i32 = DEFAULT_KUBELET_IDLE_TIMEOUT_MS;
  kubeletKeepAliveIdleMs: i32 = DEFAULT_KUBELET_KEEPALIVE_IDLE_MS;
  statusMinIntervalMs: i32 = DEFAULT_STATUS_MIN_INTERVAL_MS;

  setDefaults(): void {
    this.nodeName.clear();
    this.apiHostPort.clear();
    this.apiToken.clear();
    this.configMapNamespace.clear();
    this.configMapNamespace.appendAscii(DEFAULT_CONFIGMAP_NAMESPACE);
    this.configMapName.clear();
    this.configMapName.appendAscii(DEFAULT_CONFIGMAP_NAME);
    for (let i = 0; i < INT_FIELDS.length; i++) setIntField(this, i, unchecked(INT_DEFAULTS[i]));
    setLogThreshold(LOG_INFO);
  }
}

export const config = new Config();

// ---- parsing ----

let lineNo: i32 = 0;

function configError(keyPtr: usize, keyLen: i32, problem: Text): Out {
  const o = logBegin(LOG_ERROR, T("config"));
  o.ascii(T("line "));
  o.dec(<u64>lineNo);
  if (keyLen > 0) {
    o.ascii(T(" '"));
    o.bytes(keyPtr, keyLen);
    o.ascii(T("'"));
  }
  o.ascii(T(": "));
  o.ascii(problem);
  return o;
}

/** Lower-case letters, digits, '-' and '.', starting and ending alphanumeric (DNS-1123). */
function isDnsName(ptr: usize, len: i32, max: i32): bool {
  if (len == 0 || len > max) return false;
  for (let i = 0; i < len; i++) {
    const b = load<u8>(ptr + <usize>i);
    const alnum = isDigit(b) || (b >= 0x61 && b <= 0x7a);
    if (!alnum && !((b == 0x2d || b == 0x2e) && i > 0 && i < len - 1)) return false;
  }
  return true;
}

/** Decimal in [min, max], or -1. */
function parseIntIn(ptr: usize, len: i32, min: i32, max: i32): i32 {
  if (len == 0 || len > 9) return -1;
  let v: i32 = 0;
  for (let i = 0; i < len; i++) {
    const b = load<u8>(ptr + <usize>i);
    if (!isDigit(b)) return -1;
    v = v * 10 + (<i32>b - 0x30);
  }
  return v >= min && v <= max ? v : -1;
}

function setName(dst: ByteBuf, kp: usize, kl: i32, vp: usize, vl: i32, max: i32): bool {
  if (!isDnsName(vp, vl, max)) {
    const o = configError(kp, kl, T("must be a lower-case DNS name (a-z, 0-9, '-', '.') of at most "));
    o.dec(<u64>max);
    o.ascii(T(" characters"));
    logEnd();
    return false;
  }
  dst.clear();
  dst.append(vp, vl);
  return true;
}

function setInt(kp: usize, kl: i32, vp: usize, vl: i32, min: i32, max: i32): i32 {
  const v = parseIntIn(vp, vl, min, max);
  if (v < 0) {
    const o = configError(kp, kl, T("must be a whole number from "));
    o.dec(<u64>min);
    o.ascii(T(" to "));
    o.dec(<u64>max);
    logEnd();
  }
  return v;
}

function isHostName(ptr: usize, len: i32): bool {
  const bracketed = load<u8>(ptr) == 0x5b && load<u8>(ptr + <usize>(len - 1)) == 0x5d;
  for (let i = 0; i < len; i++) {
    const b = load<u8>(ptr + <usize>i);
    const ok = isDigit(b) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x2d || b == 0x2e ||
      (bracketed && (b == 0x3a || ((i == 0 || i == len - 1) && (b == 0x5b || b == 0x5d))));
    if (!ok) return false;
  }
  return true;
}

/** RFC 6750's b64token: ALPHA DIGIT - . _ ~ + /, then '=' padding. It goes into every request's Authorization header. */
function isBearerToken(ptr: usize, len: i32): bool {
  let padding = false;
  for (let i = 0; i < len; i++) {
    const b = load<u8>(ptr + <usize>i);
    if (b == 0x3d && i > 0) {
      padding = true;
      continue;
    }
    const ok = isDigit(b) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x2d || b == 0x2e || b == 0x5f || b == 0x7e || b == 0x2b || b == 0x2f;
    if (!ok || padding) return false;
  }
  return true;
}

function applyApi(kp: usize, kl: i32, vp: usize, vl: i32): bool {
  const prefix = T("http://");
  const n = textLen(prefix);
  if (vl <= n || !asciiEquals(vp, n, prefix)) {
    configError(kp, kl, T("must be http://HOST:PORT (TLS is the proxy's job)"));
    logEnd();
    return false;
  }
  let hp = vp + <usize>n;
  let hl = vl - n;
  if (load<u8>(hp + <usize>(hl - 1)) == 0x2f) hl--; // one trailing '/'
  let colon = -1;
  for (let i = 0; i < hl; i++) {
    const b = load<u8>(hp + <usize>i);
    if (b == 0x2f || b == 0x40 || b == 0x20) {
      configError(kp, kl, T("must be http://HOST:PORT with no path or user"));
      logEnd();
      return false;
    }
    if (b == 0x3a) colon = i;
  }
  // The host goes into every request's Host header as written: a name or an
  // address (RFC 3986 reg-name / IPv4, or an IPv6 literal in brackets), nothing else.
  if (colon > 0 && !isHostName(hp, colon)) {
    configError(kp, kl, T("HOST must be a name or address (letters, digits, '-', '.', or [IPv6])"));
    logEnd();
    return false;
  }
  if (colon <= 0 || parseIntIn(hp + <usize>(colon + 1), hl - colon - 1, 1, 65535) < 0) {
    configError(kp, kl, T("must name a port: http://HOST:PORT"));
    logEnd();
    return false;
  }
  config.apiHostPort.clear();
  config.apiHostPort.append(hp, hl);
  if (config.apiHostPort.overflow) {
    configError(kp, kl, T("host:port is too long"));
    logEnd();
    return false;
  }
  return true;
}

function applyConfigMap(kp: usize, kl: i32, vp: usize, vl: i32): bool {
  let slash = -1;
  for (let i = 0; i < vl; i++) if (load<u8>(vp + <usize>i) == 0x2f) slash = i;
  if (slash <= 0) {
    configError(kp, kl, T("must be NAMESPACE/NAME"));
    logEnd();
    return false;
  }
  return (
    setName(config.configMapNamespace, kp, kl, vp, slash, 63) &&
    setName(config.configMapName, kp, kl, vp + <usize>(slash + 1), vl - slash - 1, 253)
  );
}

function applyLogLevel(kp: usize, kl: i32, vp: usize, vl: i32): bool {
  if (asciiEquals(vp, vl, T("error"))) setLogThreshold(LOG_ERROR);
  else if (asciiEquals(vp, vl, T("warn"))) setLogThreshold(LOG_WARN);
  else if (asciiEquals(vp, vl, T("info"))) setLogThreshold(LOG_INFO);
  else if (asciiEquals(vp, vl, T("debug"))) setLogThreshold(LOG_DEBUG);
  else {
    configError(kp, kl, T("must be error, warn, info or debug"));
    logEnd();
    return false;
  }
  return true;
}

// Numeric settings: name, default, accepted range, and the field each one sets.
const INT_KEYS: StaticArray<Text> = [
  T("kubelet_port"), T("lease_duration_s"), T("lease_renew_ms"), T("status_report_ms"), T("request_timeout_ms"),
  T("watch_timeout_s"), T("backoff_initial_ms"), T("lease_backoff_max_ms"), T("backoff_max_ms"), T("auth_retry_ms"),
  T("memory_pressure_free_bytes"), T("kubelet_idle_timeout_ms"), T("status_min_interval_ms"), T("healthz_port"),
  T("kubelet_keepalive_idle_ms"),
];
const INT_DEFAULTS: StaticArray<i32> = [
  DEFAULT_KUBELET_PORT, DEFAULT_LEASE_DURATION_S, DEFAULT_LEASE_RENEW_MS, DEFAULT_STATUS_REPORT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_WATCH_TIMEOUT_S, DEFAULT_BACKOFF_INITIAL_MS, DEFAULT_LEASE_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_MAX_MS, DEFAULT_AUTH_RETRY_MS, DEFAULT_MEMORY_PRESSURE_FREE_BYTES, DEFAULT_KUBELET_IDLE_TIMEOUT_MS,
  DEFAULT_STATUS_MIN_INTERVAL_MS, DEFAULT_HEALTHZ_PORT, DEFAULT_KUBELET_KEEPALIVE_IDLE_MS,
];
const INT_MIN: StaticArray<i32> = [1, 10, 100, 1000, 100, 1, 10, 10, 10, 100, 0, 100, 0, 0, 100];
const INT_MAX: StaticArray<i32> = [
  65535, 3600, 3_600_000, 3_600_000, 600_000, 3600, 60_000, 600_000, 600_000, 3_600_000, 1 << 30, 600_000, 60_000, 65535, 600_000,
];
// Each key's field by name (compile-time offsets): a table, not a switch, and no
// reliance on the order the fields are declared in.
const INT_FIELDS: StaticArray<usize> = [
  offsetof<Config>("kubeletPort"), offsetof<Config>("leaseDurationS"), offsetof<Config>("leaseRenewMs"),
  offsetof<Config>("statusReportMs"), offsetof<Config>("requestTimeoutMs"), offsetof<Config>("watchTimeoutS"),
  offsetof<Config>("backoffInitialMs"), offsetof<Config>("leaseBackoffMaxMs"), offsetof<Config>("backoffMaxMs"),
  offsetof<Config>("authRetryMs"), offsetof<Config>("memoryPressureFreeBytes"), offsetof<Config>("kubeletIdleTimeoutMs"),
  offsetof<Config>("statusMinIntervalMs"), offsetof<Config>("healthzPort"), offsetof<Config>("kubeletKeepAliveIdleMs"),
];

function setIntField(c: Config, i: i32, v: i32): void {
  store<i32>(changetype<usize>(c) + unchecked(INT_FIELDS[i]), v);
}

/** One key=value pair. Unknown keys are an error: a typo must not silently fall back to a default. */
function applyPair(kp: usize, kl: i32, vp: usize, vl: i32): bool {
  if (asciiEquals(kp, kl, T("node_name"))) return setName(config.nodeName, kp, kl, vp, vl, 63);
  if (asciiEquals(kp, kl, T("api"))) return applyApi(kp, kl, vp, vl);
  if (asciiEquals(kp, kl, T("api_token"))) {
    config.apiToken.clear();
    config.apiToken.append(vp, vl);
    if (config.apiToken.overflow) {
      configError(kp, kl, T("is longer than 96 bytes"));
      logEnd();
      return false;
    }
    if (!isBearerToken(vp, vl)) {
      config.apiToken.clear();
      configError(kp, kl, T("must be a bearer token (letters, digits, '-', '.', '_', '~', '+', '/', then '=' padding)"));
      logEnd();
      return false;
    }
    return true;
  }
  if (asciiEquals(kp, kl, T("configmap"))) return applyConfigMap(kp, kl, vp, vl);
  if (asciiEquals(kp, kl, T("log_level"))) return applyLogLevel(kp, kl, vp, vl);
  for (let i = 0; i < INT_KEYS.length; i++) {
    if (!asciiEquals(kp, kl, unchecked(INT_KEYS[i]))) continue;
    const v = setInt(kp, kl, vp, vl, unchecked(INT_MIN[i]), unchecked(INT_MAX[i]));
    if (v < 0) return false;
    setIntField(config, i, v);
    return true;
  }
  configError(kp, kl, T("unknown key"));
  logEnd();
  return false;
}

function trimStart(p: usize, end: usize): usize {
  while (p < end && (load<u8>(p) == 0x20 || load<u8>(p) == 0x09)) p++;
  return p;
}
function trimEnd(start: usize, e: usize): usize {
  while (e > start && (load<u8>(e - 1) == 0x20 || load<u8>(e - 1) == 0x09 || load<u8>(e - 1) == 0x0d)) e--;
  return e;
}

/** Parses the whole configuration text; returns the number of errors (each logged). */
export function parseConfig(ptr: usize, len: i32): i32 {
  config.setDefaults();
  let errors = 0;
  lineNo = 0;
  const end = ptr + <usize>len;
  let p = ptr;
  while (p < end) {
    lineNo++;
    let eol = p;
    while (eol < end && load<u8>(eol) != 0x0a) eol++;
    const s = trimStart(p, eol);
    const e = trimEnd(s, eol);
    p = eol + 1;
    if (s == e || load<u8>(s) == 0x23) continue;
    let eq = s;
    while (eq < e && load<u8>(eq) != 0x3d) eq++;
    if (eq == e) {
      configError(s, <i32>(e - s), T("expected key=value"));
      logEnd();
      errors++;
      continue;
    }
    const ke = trimEnd(s, eq);
    const vs = trimStart(eq + 1, e);
    if (!applyPair(s, <i32>(ke - s), vs, <i32>(e - vs))) errors++;
  }
  if (config.nodeName.len == 0) {
    lineNo = 0;
    configError(0, 0, T("node_name is required"));
    logEnd();
    errors++;
  }
  if (config.apiHostPort.len == 0) {
    lineNo = 0;
    configError(0, 0, T("api is required (http://HOST:PORT of the proxy)"));
    logEnd();
    errors++;
  }
  return errors;
}
