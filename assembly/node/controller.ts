// NodeController: registers the Node (POST; 409 → GET and adopt its uid),
// writes status on change and at least every status_report_ms, and
// re-registers at once when a status write finds the Node gone (404).

import { config } from "../config";
import { now } from "../lib/clock";
import { Out } from "../lib/out";
import { LOG_INFO, logBegin, logEnd } from "../lib/log";
import { JsonReader, JSON_STRING } from "../json/reader";
import { JsonWriter } from "../json/writer";
import { HttpResponseParser } from "../http/response_parser";
import { ApiChannel } from "../api/channel";
import { ApiRequest, StatusFields } from "../api/request";
import { Backoff } from "../api/backoff";
import { isSuccess, retryAfterFailure, retryAfterNoResponse } from "../api/outcome";
import { wallMicrosNow } from "../api/time";
import { metrics } from "../metrics/counters";
import { identity } from "./identity";
import { conditions } from "./conditions";
import { writeRegistration, writeStatusPatch } from "./render";
import { T, Text } from "../lib/text";

const NEED_REGISTER = 0;
const NEED_GET = 1;
const REGISTERED = 2;

const COMPONENT = T("node");

function writeNodePath(out: Out): void {
  out.ascii(T("/api/v1/nodes/"));
  out.buf(config.nodeName);
}

/** Captures metadata.uid from a Node in a response. */
class NodeRequest extends ApiRequest {
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    if (kind == JSON_STRING && r.at2(T("metadata"), T("uid"))) identity.uid.copyFrom(r.value);
  }
}

class RegisterRequest extends NodeRequest {
  constructor(status: StatusFields) {
    super(status, T("node registration"));
    this.method = T("POST");
    this.hasBody = true;
  }
  writeTarget(out: Out): void {
    out.ascii(T("/api/v1/nodes"));
  }
  renderBody(w: JsonWriter): void {
    writeRegistration(w);
  }
  complete(p: HttpResponseParser): void {
    nodeController.registerDone(this, p);
  }
  failed(kind: i32): void {
    retryAfterNoResponse(COMPONENT, this, nodeController.backoff);
  }
}

class GetNodeRequest extends NodeRequest {
  constructor(status: StatusFields) {
    super(status, T("node read"));
  }
  writeTarget(out: Out): void {
    writeNodePath(out);
  }
  complete(p: HttpResponseParser): void {
    nodeController.getDone(this, p);
  }
  failed(kind: i32): void {
    retryAfterNoResponse(COMPONENT, this, nodeController.backoff);
  }
}

class StatusRequest extends ApiRequest {
  /** Fixed before the counting pass so both passes write the same bytes. */
  heartbeatMicros: i64 = 0;
  constructor(status: StatusFields) {
    super(status, T("node status update"));
    this.method = T("PATCH");
    this.hasBody = true;
    this.contentType = T("application/strategic-merge-patch+json");
  }
  writeTarget(out: Out): void {
    writeNodePath(out);
    out.ascii(T("/status"));
  }
  renderBody(w: JsonWriter): void {
    writeStatusPatch(w, this.heartbeatMicros);
  }
  complete(p: HttpResponseParser): void {
    nodeController.statusDone(this, p);
  }
  failed(kind: i32): void {
    conditions.dirty = true; // not written: try again after the backoff
    retryAfterNoResponse(COMPONENT, this, nodeController.statusBackoff);
  }
}

// Plain data, created once: no managed header needed.
@unmanaged
export class NodeController {
  private state: i32 = NEED_REGISTER;
  backoff: Backoff = new Backoff(config.backoffInitialMs, config.backoffMaxMs);
  statusBackoff: Backoff = new Backoff(config.backoffInitialMs, config.backoffMaxMs);
  private lastStatusAt: u64 = 0;
  private statusWritten: bool = false;
  /** The Lease vanished (the garbage collector removes it with its Node): confirm the
   *  Node with a status write before anything else, so a deleted Node is re-registered
   *  within one renewal interval rather than at the next periodic status write. */
  confirmRequested: bool = false;
  /** Bumped on every (re-)registration, so the lease controller re-creates its Lease. */
  generation: i32 = 0;
  private statusFields: StatusFields;
  private register: RegisterRequest;
  private getNode: GetNodeRequest;
  private status: StatusRequest;

  constructor(statusFields: StatusFields) {
    this.statusFields = statusFields;
    this.register = new RegisterRequest(statusFields);
    this.getNode = new GetNodeRequest(statusFields);
    this.status = new StatusRequest(statusFields);
  }

  configure(): void {
    this.backoff.configure(config.backoffInitialMs, config.backoffMaxMs);
    this.statusBackoff.configure(config.backoffInitialMs, config.backoffMaxMs);
  }

  registered(): bool {
    return this.state == REGISTERED;
  }

  /** Starts registration work if any is due. True if the channel was used. */
  pumpRegistration(ch: ApiChannel): bool {
    if (this.state == REGISTERED || !this.backoff.ready()) return false;
    ch.start(this.state == NEED_GET ? <ApiRequest>this.getNode : <ApiRequest>this.register);
    return true;
  }

  statusDue(): bool {
    if (this.state != REGISTERED || !this.statusBackoff.ready()) return false;
    if (this.confirmRequested || !this.statusWritten) return true;
    const since = now() - this.lastStatusAt;
    return (conditions.dirty && since >= <u64>config.statusMinIntervalMs) || since >= <u64>config.statusReportMs;
  }

  requestConfirm(): void {
    this.confirmRequested = true;
  }

  pumpStatus(ch: ApiChannel): bool {
    if (!this.statusDue()) return false;
    this.status.heartbeatMicros = wallMicrosNow();
    conditions.dirty = false;
    ch.start(this.status);
    return true;
  }

  registerDone(req: ApiRequest, p: HttpResponseParser): void {
    if (isSuccess(p.status)) {
      this.adopt(T("registered"));
    } else if (p.status == 409) {
      this.state = NEED_GET; // it exists already (our previous life, or a re-flash): adopt it
    } else {
      retryAfterFailure(COMPONENT, req, p, this.backoff);
    }
  }

  getDone(req: ApiRequest, p: HttpResponseParser): void {
    if (isSuccess(p.status)) {
      this.adopt(T("adopted the existing"));
    } else if (p.status == 404) {
      this.state = NEED_REGISTER; // deleted between our POST and GET
    } else {
      retryAfterFailure(COMPONENT, req, p, this.backoff);
    }
  }

  statusDone(req: ApiRequest, p: HttpResponseParser): void {
    if (p.status == 404 || isSuccess(p.status)) this.confirmRequested = false;
    if (isSuccess(p.status)) {
      this.statusBackoff.succeeded();
      this.statusWritten = true;
      this.lastStatusAt = now();
      metrics.statusWrites++;
    } else if (p.status == 404) {
      // The Node was deleted: register again at once, and write status after.
      const o = logBegin(LOG_INFO, COMPONENT);
      o.ascii(T("Node "));
      o.buf(config.nodeName);
      o.ascii(T(" gone (404); registering again"));
      logEnd();
      this.state = NEED_REGISTER;
      this.backoff.succeeded();
      conditions.dirty = true;
    } else {
      conditions.dirty = true;
      retryAfterFailure(COMPONENT, req, p, this.statusBackoff);
    }
  }

  private adopt(how: Text): void {
    this.state = REGISTERED;
    this.backoff.succeeded();
    this.statusWritten = false;
    this.generation++;
    metrics.registrations++;
    const o = logBegin(LOG_INFO, COMPONENT);
    o.ascii(how);
    o.ascii(T(" Node "));
    o.buf(config.nodeName);
    o.ascii(T(" uid "));
    o.buf(identity.uid);
    logEnd();
  }
}

export const apiStatusFields = new StatusFields();
export const nodeController = new NodeController(apiStatusFields);
