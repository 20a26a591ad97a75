// ApiRequest: one kind of call to the API server. It writes its own target
// and body, and reads the fields it needs from the response as it streams by
// (it is the JSON handler for its own response body).

import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { JsonHandler, JsonReader, JSON_STRING, JSON_NUMBER } from "../json/reader";
import { JsonWriter } from "../json/writer";
import { HttpResponseParser } from "../http/response_parser";
import { T, Text, textLen } from "../lib/text";

/** Why a request got no complete response. */
export const FAIL_CONNECT: i32 = 1;
export const FAIL_CLOSED: i32 = 2;
export const FAIL_TIMEOUT: i32 = 3;
export const FAIL_PROTOCOL: i32 = 4;
export const FAIL_SEND: i32 = 5;

export function failureName(kind: i32): Text {
  switch (kind) {
    case FAIL_CONNECT: return T("connection failed");
    case FAIL_CLOSED: return T("connection closed before the response ended");
    case FAIL_TIMEOUT: return T("timed out");
    case FAIL_PROTOCOL: return T("malformed response");
    case FAIL_SEND: return T("send failed");
  }
  return T("failed");
}

/** Fields of a Kubernetes Status error body, shared by all requests (one at a time per channel). */
// Plain data, created once: no managed header needed.
@unmanaged
export class StatusFields {
  reason: ByteBuf = ByteBuf.create(48);
  message: ByteBuf = ByteBuf.create(128);
  code: i32 = 0;
  clear(): void {
    this.reason.clear();
    this.message.clear();
    this.code = 0;
  }
}

export class ApiRequest extends JsonHandler {
  status: StatusFields;
  // What a request is, as plain fields rather than virtual methods: each
  // virtual call compiles to a dispatch over every request class.
  /** Short name for logs and metrics, e.g. "lease renew". */
  label: Text;
  method: Text = T("GET");
  hasBody: bool = false;
  contentType: Text = T("application/json");
  /** Watches stream for minutes; other requests must finish within the request timeout. */
  isStream: bool = false;
  /** Why this response, though well-formed, cannot be used (a value over its bound); "" if it can. */
  unusable: Text = T("");
  /** How the last attempt failed (FAIL_*), and what was wrong, for the retry's log line. */
  failure: i32 = 0;
  failureDetail: Text = T("");

  constructor(status: StatusFields, label: Text) {
    super();
    this.status = status;
    this.label = label;
  }

  writeTarget(out: Out): void {}
  renderBody(w: JsonWriter): void {}

  /** Head received: reset whatever the body will fill. */
  begin(p: HttpResponseParser): void {
    this.status.clear();
    this.unusable = T("");
  }

  /**
   * Keeps the string scalar r is at in dst. A value longer than dst holds makes
   * the whole response unusable (see api/limits.ts): it is never kept shorter.
   */
  capture(dst: ByteBuf, r: JsonReader, tooLong: Text): void {
    if (r.value.overflow || r.value.len > dst.cap) {
      if (textLen(this.unusable) == 0) this.unusable = tooLong;
      return;
    }
    dst.copyFrom(r.value);
  }
  /** What a 2xx answer lacks that this request needs from it (e.g. a uid), or "": then it is a protocol error. */
  lacking(): Text {
    return T("");
  }
  /** The whole response arrived (any status), usable. */
  complete(p: HttpResponseParser): void {}
  /** No (complete) response: see FAIL_*. */
  failed(kind: i32): void {}

  // Status bodies: {"kind":"Status",...,"message":"...","reason":"NotFound","code":404}
  scalar(r: JsonReader, kind: i32): void {
    if (r.depth != 1) return;
    if (kind == JSON_STRING) {
      if (r.keyIs(1, T("reason"))) this.status.reason.copyFrom(r.value);
      else if (r.keyIs(1, T("message"))) this.status.message.copyFrom(r.value);
    } else if (kind == JSON_NUMBER && r.keyIs(1, T("code"))) {
      this.status.code = <i32>r.intValue();
    }
  }
}
