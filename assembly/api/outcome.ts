// How every controller reads a response status: success, a credentials
// problem (slow retry, loud log), or a transient failure (capped backoff).

import { HttpResponseParser } from "../http/response_parser";
import { config } from "../config";
import { LOG_ERROR, LOG_WARN, logBegin, logEnd } from "../lib/log";
import { Backoff } from "./backoff";
import { ApiRequest, failureName } from "./request";
import { Out } from "../lib/out";
import { T, Text, textLen } from "../lib/text";

export function isSuccess(status: i32): bool {
  return status >= 200 && status < 300;
}

/** Logs a non-success response and schedules the retry on `backoff`. */
export function retryAfterFailure(component: Text, req: ApiRequest, p: HttpResponseParser, backoff: Backoff): void {
  const status = p.status;
  if (status == 401 || status == 403) {
    backoff.pause(config.authRetryMs);
    const o = logBegin(LOG_ERROR, component);
    o.ascii(req.label);
    o.ascii(status == 401 ? T(": 401: credentials rejected (check api_token and the proxy's device identity)") : T(": 403: this device's identity may not do this (node authorizer/RBAC)"));
    writeServerMessage(o, req);
    o.ascii(T("; retrying in "));
    o.dec(<u64>(config.authRetryMs / 1000));
    o.ascii(T(" s"));
    logEnd();
    return;
  }
  const delay = backoff.failed(p.retryAfterSeconds);
  const o = logBegin(LOG_WARN, component);
  o.ascii(req.label);
  o.ascii(T(": HTTP "));
  o.dec(<u64>status);
  writeServerMessage(o, req);
  o.ascii(T("; retrying in "));
  o.dec(delay);
  o.ascii(T(" ms"));
  logEnd();
}

/** After a request got no usable response (req.failure says how, req.failureDetail what was wrong). */
export function retryAfterNoResponse(component: Text, req: ApiRequest, backoff: Backoff): void {
  const delay = backoff.failed(-1);
  const o = logBegin(LOG_WARN, component);
  o.ascii(req.label);
  o.ascii(T(": "));
  o.ascii(failureName(req.failure));
  if (textLen(req.failureDetail) > 0) {
    o.ascii(T(" ("));
    o.ascii(req.failureDetail);
    o.ascii(T(")"));
  }
  o.ascii(T("; retrying in "));
  o.dec(delay);
  o.ascii(T(" ms"));
  logEnd();
}

function writeServerMessage(o: Out, req: ApiRequest): void {
  if (req.status.message.len == 0) return;
  o.ascii(T(" ("));
  o.excerpt(req.status.message);
  o.ascii(T(")"));
}
