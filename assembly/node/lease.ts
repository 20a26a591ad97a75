// LeaseController: keeps kube-node-lease/<node> renewed every lease_renew_ms,
// as the kubelet does, on a connection of its own: it never waits for status
// writes or the ConfigMap. Optimistic updates with the cached resourceVersion;
// 404 → create (once the Node is confirmed); 409 → re-read and retry, at most
// DEFAULT_LEASE_MAX_TRIES times per renewal; failures back off, capped at
// lease_backoff_max_ms, and so is a server's Retry-After.

import { config, DEFAULT_LEASE_MAX_TRIES } from "../config";
import { ByteBuf } from "../lib/bytes";
import { now } from "../lib/clock";
import { Out } from "../lib/out";
import { LOG_INFO, logBegin, logEnd } from "../lib/log";
import { writeRfc3339 } from "../lib/wallclock";
import { JsonReader, JSON_STRING } from "../json/reader";
import { JsonWriter } from "../json/writer";
import { HttpResponseParser } from "../http/response_parser";
import { ApiChannel } from "../api/channel";
import { ApiRequest, StatusFields } from "../api/request";
import { Backoff, BACKOFF_LEASE } from "../api/backoff";
import { RESOURCE_VERSION_BYTES } from "../api/limits";
import { isSuccess, retryAfterFailure, retryAfterNoResponse } from "../api/outcome";
import { renewTimes, wallMicrosNow } from "../api/time";
import { metrics } from "../metrics/counters";
import { identity } from "./identity";
import { nodeController } from "./controller";
import { T, Text } from "../lib/text";

const COMPONENT = T("lease");
const LEASE_NAMESPACE_PATH: Text = T("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases");

/** A renewal this much later than the interval counts as a gap worth a status write. */
const LATE_RENEWAL_SLACK_MS: u64 = 2000;

const OP_GET = 0;
const OP_CREATE = 1;
const OP_UPDATE = 2;

const LEASE_SECTIONS = 4;

class LeaseRequest extends ApiRequest {
  op: i32 = OP_GET;
  renewMicros: i64 = 0;
  /** resourceVersion read from the response. */
  seenVersion: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);

  constructor(status: StatusFields) {
    super(status, T("lease read"));
  }
  setOp(op: i32): void {
    this.op = op;
    this.label = op == OP_GET ? T("lease read") : op == OP_CREATE ? T("lease create") : T("lease renew");
    this.method = op == OP_GET ? T("GET") : op == OP_CREATE ? T("POST") : T("PUT");
    this.hasBody = op != OP_GET;
  }
  writeTarget(out: Out): void {
    out.ascii(LEASE_NAMESPACE_PATH);
    if (this.op != OP_CREATE) {
      out.byte(0x2f);
      out.buf(config.nodeName);
    }
  }
  renderBody(w: JsonWriter): void {
    leaseController.writeLease(w, this.op == OP_UPDATE, this.renewMicros);
  }
  begin(p: HttpResponseParser): void {
    super.begin(p);
    this.seenVersion.clear();
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    if (kind == JSON_STRING && r.at2(T("metadata"), T("resourceVersion"))) {
      this.capture(this.seenVersion, r, T("metadata.resourceVersion is longer than 64 bytes"));
    }
  }
  lacking(): Text {
    return this.seenVersion.len == 0 ? T("the Lease in the answer has no metadata.resourceVersion") : T("");
  }
  complete(p: HttpResponseParser): void {
    leaseController.done(this, p);
  }
  failed(kind: i32): void {
    leaseController.noResponse(this);
  }
}

// Plain data, created once: no managed header needed.
@unmanaged
export class LeaseController {
  backoff: Backoff = new Backoff(BACKOFF_LEASE);
  /** resourceVersion of our Lease as last read or written; empty: unknown. */
  version: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);
  private nextOp: i32 = OP_GET;
  private nextRenewAt: u64 = 0;
  private conflicts: i32 = 0;
  private nodeGeneration: i32 = 0;
  /** Monotonic ms of the last successful renewal (or create). */
  lastRenewAt: u64 = 0;
  renewedOnce: bool = false;
  lastRenewMicros: i64 = 0;
  private req: LeaseRequest;

  constructor(statusFields: StatusFields) {
    this.req = new LeaseRequest(statusFields);
  }

  configure(): void {
    // A server's Retry-After is honoured only up to the Lease's own cap.
    this.backoff.configure();
  }

  /** Renewed within the lease duration: what /readyz reports. */
  fresh(): bool {
    return this.renewedOnce && now() - this.lastRenewAt <= <u64>config.leaseDurationS * 1000;
  }

  /** Starts the next Lease request if one is due. True if the channel was used. */
  pump(ch: ApiChannel): bool {
    if (ch.busy() || !nodeController.registered()) return false; // the Lease names the Node's uid
    if (nodeController.generation != this.nodeGeneration) {
      // A new Node object (new uid): its Lease must be read or created afresh.
      this.nodeGeneration = nodeController.generation;
      this.version.clear();
      this.nextOp = OP_GET;
      this.nextRenewAt = 0;
    }
    // A re-created Lease must name the Node that exists now, or the garbage collector deletes it again.
    if (this.nextOp == OP_CREATE && nodeController.confirming) return false;
    if (now() < this.nextRenewAt || !this.backoff.ready()) return false;
    this.req.setOp(this.nextOp);
    if (this.nextOp != OP_GET) this.req.renewMicros = renewTimes.next(wallMicrosNow());
    ch.start(this.req);
    return true;
  }

  done(req: LeaseRequest, p: HttpResponseParser): void {
    const status = p.status;
    if (isSuccess(status)) {
      // Leases allow create-on-update: a renewal answered 201 means the Lease had
      // vanished (deleted with its Node by the garbage collector). Check the Node.
      if (req.op == OP_UPDATE && status == 201) nodeController.requestConfirm();
      this.version.copyFrom(req.seenVersion);
      if (req.op == OP_GET) {
        this.nextOp = OP_UPDATE; // renew it right away
        return;
      }
      this.renewed(req);
      return;
    }
    if (status == 404 && req.op != OP_CREATE) {
      // Gone: create it again, after the Node is confirmed when the Lease had
      // existed, since the garbage collector deletes a Lease with its owner Node.
      // (A create answered 404 — no kube-node-lease namespace — is a failure below.)
      this.version.clear();
      this.nextOp = OP_CREATE;
      if (req.op == OP_UPDATE) nodeController.requestConfirm();
      return;
    }
    if (status == 409) {
      // Someone else wrote it (or our create raced): re-read, a bounded number of times.
      this.conflicts++;
      this.version.clear();
      this.nextOp = OP_GET;
      if (this.conflicts >= DEFAULT_LEASE_MAX_TRIES) {
        this.conflicts = 0;
        metrics.leaseFailures++;
        retryAfterFailure(COMPONENT, req, p, this.backoff);
      }
      return;
    }
    metrics.leaseFailures++;
    retryAfterFailure(COMPONENT, req, p, this.backoff);
  }

  noResponse(req: LeaseRequest): void {
    metrics.leaseFailures++;
    retryAfterNoResponse(COMPONENT, req, this.backoff);
  }

  private renewed(req: LeaseRequest): void {
    const first = !this.renewedOnce;
    // A renewal later than planned (the board hung, the network was down): the
    // node lifecycle controller may have marked the Node Unknown meanwhile (the
    // core cannot know its grace period), and only a status write from the node
    // sets it Ready again. One write after a hiccup is cheap.
    if (!first && now() - this.lastRenewAt > <u64>config.leaseRenewMs + LATE_RENEWAL_SLACK_MS) nodeController.requestStatusWrite();
    this.conflicts = 0;
    this.backoff.succeeded();
    this.nextOp = OP_UPDATE;
    this.lastRenewAt = now();
    this.lastRenewMicros = req.renewMicros;
    this.renewedOnce = true;
    this.nextRenewAt = now() + <u64>config.leaseRenewMs;
    metrics.leaseRenewals++;
    if (first || req.op == OP_CREATE) {
      const o = logBegin(LOG_INFO, COMPONENT);
      o.ascii(req.op == OP_CREATE ? T("created") : T("renewed"));
      o.ascii(T(" kube-node-lease/"));
      o.buf(config.nodeName);
      o.ascii(T(", renewing every "));
      o.dec(<u64>config.leaseRenewMs);
      o.ascii(T(" ms"));
      logEnd();
    }
  }

  writeLease(w: JsonWriter, withVersion: bool, renewMicros: i64): void {
    // One section per loop turn, to bound wasm3's C stack (see render.ts).
    for (let section = 0; section < LEASE_SECTIONS; section++) this.writeLeaseSection(w, section, withVersion, renewMicros);
  }

  private writeLeaseSection(w: JsonWriter, section: i32, withVersion: bool, renewMicros: i64): void {
    switch (section) {
      case 0: {
        w.beginObject();
        w.fixed(T('"apiVersion":"coordination.k8s.io/v1","kind":"Lease"'));
        w.key(T("metadata")).beginObject();
        w.kBuf(T("name"), config.nodeName).fixed(T('"namespace":"kube-node-lease"'));
        if (withVersion && this.version.len > 0) w.kBuf(T("resourceVersion"), this.version);
        break;
      }
      case 1: {
        w.key(T("ownerReferences")).beginArray().beginObject();
        w.fixed(T('"apiVersion":"v1","kind":"Node"')).kBuf(T("name"), config.nodeName).kBuf(T("uid"), identity.uid);
        w.endObject().endArray();
        w.endObject();
        break;
      }
      case 2: {
        w.key(T("spec")).beginObject();
        w.kBuf(T("holderIdentity"), config.nodeName);
        w.kNum(T("leaseDurationSeconds"), config.leaseDurationS);
        break;
      }
      default: {
        const o = w.key(T("renewTime")).beginRawString();
        writeRfc3339(o, renewMicros, true);
        w.endRawString();
        w.endObject();
        w.endObject();
      }
    }
  }
}

export const leaseController = new LeaseController(new StatusFields());
