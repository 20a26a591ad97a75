// ServingCert: the kubelet port's certificate, got the way a kubelet with
// serverTLSBootstrap gets it. The host makes the key and the CSR (the key never
// leaves it); the core POSTs a CertificateSigningRequest for signer
// kubernetes.io/kubelet-serving, polls it until a certificate is issued (an
// approver must approve it: Kubernetes never does so by itself), installs it,
// and starts again at 80 % of its lifetime or when the node's address changes.
// A denied, failed or vanished CSR is replaced after a capped backoff.

import { tls_cert_validity, tls_csr, tls_install } from "../host";
import { config } from "../config";
import { ByteBuf } from "../lib/bytes";
import { now } from "../lib/clock";
import { Out } from "../lib/out";
import { LOG_ERROR, LOG_INFO, LOG_WARN, logBegin, logEnd } from "../lib/log";
import { nextRandom } from "../lib/random";
import { Base64Decoder, base64Encode } from "../lib/base64";
import { writeRfc3339 } from "../lib/wallclock";
import { JsonReader, JSON_STRING } from "../json/reader";
import { JsonWriter } from "../json/writer";
import { HttpResponseParser } from "../http/response_parser";
import { ApiChannel } from "../api/channel";
import { ApiRequest, StatusFields } from "../api/request";
import { Backoff, BACKOFF_API } from "../api/backoff";
import { isSuccess, retryAfterFailure, retryAfterNoResponse } from "../api/outcome";
import { wallClock, wallMicrosNow } from "../api/time";
import { facts } from "../node/facts";
import { nodeController } from "../node/controller";
import { T, Text } from "../lib/text";

const COMPONENT = T("serving-cert");
const CSR_PATH: Text = T("/apis/certificates.k8s.io/v1/certificatesigningrequests");
/** How often a pending CSR is read again. */
export const DEFAULT_CSR_POLL_MS: u64 = 5_000;
/** A pending CSR is reported again this often, so a missing approver is noticed. */
const PENDING_REMINDER_MS: u64 = 300_000;
/** Renew at this share of the lifetime, as kubelet's certificate manager does (70–90 %). */
const RENEW_AT_PERCENT: i64 = 80;
/** A P-256 CSR with two SANs is about 600 bytes of PEM. */
const CSR_PEM_BYTES = 1024;
/** An issued certificate, or a short chain, as PEM. */
export const CERT_PEM_BYTES = 3072;

const OP_CREATE = 0;
const OP_READ = 1;

const ST_IDLE = 0; // serving (or waiting for what a CSR needs)
const ST_CREATE = 1; // a CSR is to be posted
const ST_PENDING = 2; // posted; waiting for its certificate

class CsrRequest extends ApiRequest {
  op: i32 = OP_CREATE;
  /** Conditions seen in the answer. */
  approved: bool = false;
  denied: bool = false;
  /** status.conditions[].message of a Denied/Failed condition, for the log. */
  why: ByteBuf = ByteBuf.create(128);
  hasCertificate: bool = false;
  certificate: Base64Decoder;
  private conditionType: i32 = 0;

  constructor(status: StatusFields, certificate: ByteBuf) {
    super(status, T("CSR create"));
    this.certificate = new Base64Decoder(certificate);
  }
  setOp(op: i32): void {
    this.op = op;
    this.label = op == OP_CREATE ? T("CSR create") : T("CSR read");
    this.method = op == OP_CREATE ? T("POST") : T("GET");
    this.hasBody = op == OP_CREATE;
  }
  writeTarget(out: Out): void {
    out.ascii(CSR_PATH);
    if (this.op == OP_READ) {
      out.byte(0x2f);
      out.buf(servingCert.csrName);
    }
  }
  renderBody(w: JsonWriter): void {
    servingCert.writeCsr(w);
  }
  begin(p: HttpResponseParser): void {
    super.begin(p);
    this.approved = false;
    this.denied = false;
    this.why.clear();
    this.hasCertificate = false;
    this.certificate.reset();
  }
  wantsStream(r: JsonReader): bool {
    return r.at2(T("status"), T("certificate"));
  }
  stringRun(r: JsonReader, ptr: usize, len: i32): void {
    this.hasCertificate = true;
    this.certificate.feed(ptr, len);
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    // status.conditions[i].type / .message
    if (kind != JSON_STRING || r.depth != 4 || !r.keyIs(1, T("status")) || !r.keyIs(2, T("conditions")) || r.indexAt(3) < 0) return;
    if (r.keyIs(4, T("type"))) {
      if (r.value.equalsAscii(T("Approved"))) this.approved = true;
      else if (r.value.equalsAscii(T("Denied")) || r.value.equalsAscii(T("Failed"))) this.denied = true;
    } else if (r.keyIs(4, T("message")) && this.why.len == 0) {
      this.why.copyFrom(r.value);
    }
  }
  complete(p: HttpResponseParser): void {
    servingCert.done(this, p);
  }
  failed(kind: i32): void {
    servingCert.noResponse(this);
  }
}

// Plain data, created once: no managed header needed.
@unmanaged
export class ServingCert {
  backoff: Backoff = new Backoff(BACKOFF_API);
  /** metadata.name of the CSR in flight: <node>-serving-<8 hex>, which the proxy lets this device read. */
  csrName: ByteBuf = ByteBuf.create(80);
  private csrPem: ByteBuf = ByteBuf.create(CSR_PEM_BYTES);
  private certPem: ByteBuf;
  private state: i32 = ST_IDLE;
  private nextPollAt: u64 = 0;
  private pendingSince: u64 = 0;
  private remindedAt: u64 = 0;
  /** The address in the CSR in flight, and in the certificate served (0: unknown). */
  private requestedIpv4: u32 = 0;
  private servedIpv4: u32 = 0;
  /** The host could not make a CSR: it has no TLS; said once. */
  private unsupported: bool = false;
  installs: i32 = 0;
  private validity: StaticArray<i64> = new StaticArray<i64>(2);
  private req: CsrRequest;

  constructor(statusFields: StatusFields) {
    const pem = ByteBuf.create(CERT_PEM_BYTES);
    this.certPem = pem;
    this.req = new CsrRequest(statusFields, pem);
  }

  configure(): void {
    this.backoff.configure();
  }

  /** A certificate is needed: none yet, the address it names changed, or 80 % of its lifetime is gone (once the wall time is known). */
  private needed(): bool {
    // One host call per check: pump() asks after every event.
    if (tls_cert_validity(changetype<usize>(this.validity)) != 0) return true;
    if (this.servedIpv4 != 0 && facts.ipv4 != this.servedIpv4) return true;
    if (!wallClock.known) return false;
    const notBefore = unchecked(this.validity[0]);
    const notAfter = unchecked(this.validity[1]);
    const renewAt = notBefore + (notAfter - notBefore) * RENEW_AT_PERCENT / 100;
    return wallMicrosNow() / 1_000_000 >= renewAt;
  }

  /** Starts the next CSR request if one is due. True if the channel was used. */
  pump(ch: ApiChannel): bool {
    if (ch.busy() || this.unsupported || !nodeController.registered() || !facts.networkUp()) return false;
    if (!this.backoff.ready()) return false;
    if (this.state == ST_IDLE) {
      if (!this.needed()) return false;
      if (!this.makeRequest()) return false;
      this.state = ST_CREATE;
    }
    if (this.state == ST_PENDING && now() < this.nextPollAt) return false;
    this.req.setOp(this.state == ST_CREATE ? OP_CREATE : OP_READ);
    ch.start(this.req);
    return true;
  }

  /** Asks the host for a CSR for the node's current name and address, under a fresh name. */
  private makeRequest(): bool {
    this.requestedIpv4 = facts.ipv4;
    const n = tls_csr(config.nodeName.ptr, config.nodeName.len, this.requestedIpv4, this.csrPem.ptr, this.csrPem.cap);
    if (n < 0) {
      this.csrPem.clear();
      if (n == -1) {
        this.unsupported = true;
        const o = logBegin(LOG_WARN, COMPONENT);
        o.ascii(T("this host has no TLS: the kubelet port stays closed"));
        logEnd();
      } else {
        this.backoff.failed(-1);
        const o = logBegin(LOG_ERROR, COMPONENT);
        o.ascii(T("the host could not make a CSR (error "));
        o.decSigned(n);
        o.ascii(T(")"));
        logEnd();
      }
      return false;
    }
    this.csrPem.len = n;
    this.csrName.clear();
    this.csrName.appendBuf(config.nodeName);
    this.csrName.appendAscii(T("-serving-"));
    const r = nextRandom();
    for (let i = 7; i >= 0; i--) this.csrName.push(load<u8>(HEX + <usize>((r >> (<u32>i * 4)) & 15)));
    return true;
  }

  writeCsr(w: JsonWriter): void {
    w.beginObject();
    w.fixed(T('"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest"'));
    w.key(T("metadata")).beginObject().kBuf(T("name"), this.csrName).endObject();
    w.key(T("spec")).beginObject();
    const o = w.key(T("request")).beginRawString();
    base64Encode(o, this.csrPem.ptr, this.csrPem.len);
    w.endRawString();
    w.fixed(T('"signerName":"kubernetes.io/kubelet-serving","usages":["digital signature","server auth"]'));
    w.endObject();
    w.endObject();
  }

  done(req: CsrRequest, p: HttpResponseParser): void {
    const status = p.status;
    if (req.op == OP_CREATE && status == 409) {
      this.state = ST_IDLE; // the name was taken: a new one next time
      this.backoff.failed(-1);
      return;
    }
    if (req.op == OP_READ && status == 404) {
      this.say(LOG_WARN, T("CSR "), T(" vanished before it was issued; asking again"));
      this.restart();
      return;
    }
    if (!isSuccess(status)) {
      retryAfterFailure(COMPONENT, req, p, this.backoff);
      return;
    }
    if (req.op == OP_CREATE) {
      this.state = ST_PENDING;
      this.pendingSince = now();
      this.remindedAt = now();
      this.nextPollAt = now() + DEFAULT_CSR_POLL_MS;
      this.say(LOG_INFO, T("sent CSR "), T(" (kubernetes.io/kubelet-serving); waiting for approval"));
    }
    this.backoff.succeeded();
    if (req.denied) {
      const o = logBegin(LOG_ERROR, COMPONENT);
      o.ascii(T("CSR "));
      o.buf(this.csrName);
      o.ascii(T(" was denied or failed"));
      if (req.why.len > 0) {
        o.ascii(T(": "));
        o.excerpt(req.why);
      }
      o.ascii(T("; asking again later"));
      logEnd();
      this.restart();
      return;
    }
    if (req.hasCertificate) {
      this.install(req);
      return;
    }
    this.nextPollAt = now() + DEFAULT_CSR_POLL_MS;
    if (now() - this.remindedAt >= PENDING_REMINDER_MS) {
      this.remindedAt = now();
      this.say(LOG_WARN, T("CSR "), req.approved ? T(" is approved but not issued yet (is the kubelet-serving signer running?)") : T(" is still waiting for approval (is the approver running? kubectl certificate approve works too)"));
    }
  }

  private install(req: CsrRequest): void {
    const pem = this.certPem;
    if (!req.certificate.finish()) {
      this.say(LOG_WARN, T("CSR "), T(": status.certificate is not base64 PEM that fits 3 KB; asking again"));
      this.restart();
      return;
    }
    const result = tls_install(pem.ptr, pem.len);
    pem.clear();
    if (result != 0) {
      const o = logBegin(LOG_ERROR, COMPONENT);
      o.ascii(T("the certificate issued for "));
      o.buf(this.csrName);
      o.ascii(result == -3 ? T(" is not for the device key") : T(" was refused by the host's TLS (error "));
      if (result != -3) {
        o.decSigned(result);
        o.ascii(T(")"));
      }
      o.ascii(T("; asking again later"));
      logEnd();
      this.restart();
      return;
    }
    this.installs++;
    this.state = ST_IDLE;
    this.servedIpv4 = this.requestedIpv4;
    const o = logBegin(LOG_INFO, COMPONENT);
    o.ascii(T("serving the kubelet port with the certificate from "));
    o.buf(this.csrName);
    if (tls_cert_validity(changetype<usize>(this.validity)) == 0) {
      o.ascii(T(", valid until "));
      writeRfc3339(o, unchecked(this.validity[1]) * 1_000_000, false);
    }
    logEnd();
  }

  noResponse(req: CsrRequest): void {
    retryAfterNoResponse(COMPONENT, req, this.backoff);
  }

  private restart(): void {
    // The certificate served now (if any) stays until a new one is installed.
    this.state = ST_IDLE;
    this.backoff.failed(-1);
  }

  /** One log line naming the CSR in flight. */
  private say(level: i32, before: Text, after: Text): void {
    const o = logBegin(level, COMPONENT);
    o.ascii(before);
    o.buf(this.csrName);
    o.ascii(after);
    logEnd();
  }
}

const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export const servingCert = new ServingCert(new StatusFields());
