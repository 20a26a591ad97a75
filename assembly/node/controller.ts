// NodeController: registers the Node (POST; 409 → GET and adopt its uid),
// writes status on change and at least every status_report_ms, re-registers
// at once when a status write finds the Node gone (404), and confirms the Node
// with a GET when the Lease controller finds its Lease gone. Status writes and
// the Lease use different connections: neither waits for the other.

import { config } from "../config";
import { now } from "../lib/clock";
import { Out } from "../lib/out";
import { LOG_INFO, logBegin, logEnd } from "../lib/log";
import { JsonReader, JSON_STRING } from "../json/reader";
import { JsonWriter } from "../json/writer";
import { HttpResponseParser } from "../http/response_parser";
import { ApiChannel } from "../api/channel";
import { ApiRequest, FAIL_PROTOCOL, StatusFields } from "../api/request";
import { Backoff, BACKOFF_API, BACKOFF_LEASE } from "../api/backoff";
import { UID_BYTES } from "../api/limits";
import { ByteBuf } from "../lib/bytes";
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

/** metadata.uid of the Node in the response being read; adopted only once the whole response is good. */
const seenUid = ByteBuf.create(UID_BYTES);

const COMPONENT = T("node");

function writeNodePath(out: Out): void {
  out.ascii(T("/api/v1/nodes/"));
  out.buf(config.nodeName);
}

/** Captures metadata.uid from a Node in a response. */
class NodeRequest extends ApiRequest {
  begin(p: HttpResponseParser): void {
    super.begin(p);
    seenUid.clear();
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    if (kind == JSON_STRING && r.at2(T("metadata"), T("uid"))) this.capture(seenUid, r, T("metadata.uid is longer than 64 bytes"));
  }
  lacking(): Text {
    return seenUid.len == 0 ? T("the Node in the answer has no metadata.uid") : T("");
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
    retryAfterNoResponse(COMPONENT, this, nodeController.getBackoff());
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
  backoff: Backoff = new Backoff(BACKOFF_API);
  statusBackoff: Backoff = new Backoff(BACKOFF_API);
  /** Registrations answered 409: grows per conflict, reset by an adoption, so a
   *  server answering 409 to every POST and 404 to every GET is asked at a
   *  growing interval (each answer is definitive, so the backoff above resets). */
  conflictBackoff: Backoff = new Backoff(BACKOFF_API);
  /** The Lease waits for a confirmation, so its retries are the Lease's. */
  confirmBackoff: Backoff = new Backoff(BACKOFF_LEASE);
  private lastStatusAt: u64 = 0;
  private statusWritten: bool = false;
  /** The Lease vanished (the garbage collector removes it with its Node): read the
   *  Node, so that a deleted one is registered again and the re-created Lease
   *  names the uid of the Node that exists now. A status write could not tell:
   *  one that fails says nothing about the Node. */
  confirming: bool = false;
  /** A status write is wanted now (after a late Lease renewal), whatever changed. */
  private statusRequested: bool = false;
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
    this.backoff.configure();
    this.statusBackoff.configure();
    this.conflictBackoff.configure();
    this.confirmBackoff.configure();
  }

  registered(): bool {
    return this.state == REGISTERED;
  }

  /** The backoff of the Node GET in progress: a confirmation's or an adoption's. */
  getBackoff(): Backoff {
    return this.state == REGISTERED ? this.confirmBackoff : this.backoff;
  }

  /** Starts registration or confirmation work if any is due. True if the channel was used. */
  pumpRegistration(ch: ApiChannel): bool {
    if (this.state == REGISTERED && !this.confirming) return false;
    if (!this.getBackoff().ready() || (this.state == NEED_REGISTER && !this.conflictBackoff.ready())) return false;
    ch.start(this.state == NEED_REGISTER ? <ApiRequest>this.register : <ApiRequest>this.getNode);
    return true;
  }

  statusDue(): bool {
    if (this.state != REGISTERED || !this.statusBackoff.ready()) return false;
    if (this.statusRequested || !this.statusWritten) return true;
    const since = now() - this.lastStatusAt;
    return (conditions.dirty && since >= <u64>config.statusMinIntervalMs) || since >= <u64>config.statusReportMs;
  }

  /** The Lease is gone or was re-created by a renewal: read the Node before the Lease is created again. */
  requestConfirm(): void {
    if (this.state == REGISTERED) this.confirming = true;
  }

  /** Write status as soon as the status backoff allows, changed or not. */
  requestStatusWrite(): void {
    this.statusRequested = true;
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
      this.conflictBackoff.failed(-1);
    } else {
      retryAfterFailure(COMPONENT, req, p, this.backoff);
    }
  }

  getDone(req: ApiRequest, p: HttpResponseParser): void {
    const backoff = this.getBackoff();
    if (isSuccess(p.status)) {
      if (this.state == REGISTERED && seenUid.len > 0 && seenUid.equals(identity.uid)) {
        this.confirming = false;
        backoff.succeeded();
        const o = logBegin(LOG_INFO, COMPONENT);
        o.ascii(T("Node "));
        o.buf(config.nodeName);
        o.ascii(T(" confirmed (uid unchanged)"));
        logEnd();
        return;
      }
      this.adopt(T("adopted the existing"));
    } else if (p.status == 404) {
      // Deleted between our POST and GET, or since the Lease last saw it: register
      // again (after conflictBackoff, if the POST before was answered 409).
      backoff.succeeded();
      this.confirming = false;
      this.state = NEED_REGISTER;
    } else {
      retryAfterFailure(COMPONENT, req, p, backoff);
    }
  }

  statusDone(req: ApiRequest, p: HttpResponseParser): void {
    if (isSuccess(p.status)) {
      this.statusBackoff.succeeded();
      this.statusWritten = true;
      this.statusRequested = false;
      this.lastStatusAt = now();
      metrics.statusWrites++;
    } else if (p.status == 404) {
      // The Node was deleted: register again at once, and write status after,
      // one status backoff step later: a write that keeps finding the Node it
      // just registered gone (a proxy answering 404) must not loop at full speed.
      const o = logBegin(LOG_INFO, COMPONENT);
      o.ascii(T("Node "));
      o.buf(config.nodeName);
      o.ascii(T(" gone (404); registering again"));
      logEnd();
      this.state = NEED_REGISTER;
      this.confirming = false;
      this.statusBackoff.failed(-1);
      conditions.dirty = true;
    } else {
      conditions.dirty = true;
      retryAfterFailure(COMPONENT, req, p, this.statusBackoff);
    }
  }

  /** Takes the uid the answer named (lacking() made sure there is one). */
  private adopt(how: Text): void {
    identity.uid.copyFrom(seenUid);
    this.state = REGISTERED;
    this.conflictBackoff.succeeded();
    this.confirming = false;
    this.backoff.succeeded();
    this.confirmBackoff.succeeded();
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
