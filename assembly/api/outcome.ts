// How every controller reads a response status: success, a credentials
// problem (slow retry, loud log), or a transient failure (capped backoff).

import { HttpResponseParser } from "../http/response_parser";
import { config } from "../config";
import { LOG_ERROR, LOG_WARN, logBegin, logEnd } from "../lib/log";
import { Backoff } from "./backoff";
import { ApiRequest } from "./request";
import { Out } from "../lib/out";

export function isSuccess(status: i32): bool {
  return status >= 200 && status < 300;
}

/** Logs a non-success response and schedules the retry on `backoff`. */
export function retryAfterFailure(component: string, req: ApiRequest, p: HttpResponseParser, backoff: Backoff): void {
  const status = p.status;
  if (status == 401 || status == 403) {
    backoff.pause(config.authRetryMs);
    const o = logBegin(LOG_ERROR, component);
    o.ascii(req.label());
    o.ascii(status == 401 ? ": 401 Unauthorized: the API endpoint rejected this device's credentials (api_token / proxy identity)" : ": 403 Forbidden: this device's identity may not do this (node authorizer / RBAC)");
    writeServerMessage(o, req);
    o.ascii("; retrying in ");
    o.dec(<u64>(config.authRetryMs / 1000));
    o.ascii(" s");
    logEnd();
    return;
  }
  const delay = backoff.failed(p.retryAfterSeconds);
  const o = logBegin(LOG_WARN, component);
  o.ascii(req.label());
  o.ascii(": HTTP ");
  o.dec(<u64>status);
  writeServerMessage(o, req);
  o.ascii("; retrying in ");
  o.dec(delay);
  o.ascii(" ms");
  logEnd();
}

/** After a request got no response at all. */
export function retryAfterNoResponse(component: string, req: ApiRequest, backoff: Backoff): void {
  const delay = backoff.failed(-1);
  const o = logBegin(LOG_WARN, component);
  o.ascii(req.label());
  o.ascii(": no response; retrying in ");
  o.dec(delay);
  o.ascii(" ms");
  logEnd();
}

function writeServerMessage(o: Out, req: ApiRequest): void {
  if (req.status.message.len == 0) return;
  o.ascii(" (");
  o.buf(req.status.message);
  o.ascii(")");
}
