// Who may use the kubelet port, decided as kubelet decides it with
// anonymous-auth=false and webhook authn/authz: a client certificate the host
// verified against the cluster's client CA, or a bearer token the API server
// vouches for (TokenReview); then a SubjectAccessReview on nodes/<subresource>
// (attributes.ts). Answers are cached as kubelet caches them. A request waits
// in its slot while a review is out; the review channel carries one at a time.

import { config } from "../config";
import { ByteBuf } from "../lib/bytes";
import { LOG_DEBUG, LOG_WARN, logBegin, logEnd } from "../lib/log";
import { HttpRequestParser } from "../http/request_parser";
import { T, Text } from "../lib/text";
import { ReviewCache, CacheEntry, digestOf, DIGEST_BYTES } from "./review_cache";
import { requestVerb, requestSubresource } from "./attributes";

/** kubelet's defaults: --authentication-token-webhook-cache-ttl, --authorization-webhook-cache-authorized-ttl / -unauthorized-ttl. */
export const TOKEN_CACHE_TTL_MS: u64 = 120_000;
export const ALLOWED_CACHE_TTL_MS: u64 = 300_000;
export const DENIED_CACHE_TTL_MS: u64 = 30_000;
/** A rejected token is asked about again after this long (kubelet caches only what authenticated). */
export const REJECTED_TOKEN_TTL_MS: u64 = 10_000;
const TOKEN_CACHE_ENTRIES = 8;
const DECISION_CACHE_ENTRIES = 16;

export const USER_BYTES = 128;
/** Groups, one per line. */
export const GROUPS_BYTES = 256;
/** A ServiceAccount token is about 1 KB; kubelet takes any, the Pico up to this. */
export const BEARER_BYTES = 2048;

export const ACCESS_READING = 0; // request not complete yet
export const ACCESS_NEEDS_TOKEN_REVIEW = 1;
export const ACCESS_NEEDS_ACCESS_REVIEW = 2;
export const ACCESS_ALLOWED = 3;
export const ACCESS_REFUSED = 4; // refusalCode / refusal say how

export const tokenCache = new ReviewCache(TOKEN_CACHE_ENTRIES, TOKEN_CACHE_TTL_MS, REJECTED_TOKEN_TTL_MS, USER_BYTES, GROUPS_BYTES);
export const decisionCache = new ReviewCache(DECISION_CACHE_ENTRIES, ALLOWED_CACHE_TTL_MS, DENIED_CACHE_TTL_MS, 0, 0);

const scratch = ByteBuf.create(USER_BYTES + GROUPS_BYTES + 64);

// Plain data, created once per slot: no managed header needed.
@unmanaged
export class Access {
  phase: i32 = ACCESS_READING;
  /** Bumped whenever the slot takes a new request, so a late review answer finds it moved on. */
  ticket: u32 = 0;
  user: ByteBuf = ByteBuf.create(USER_BYTES);
  groups: ByteBuf = ByteBuf.create(GROUPS_BYTES);
  fromCertificate: bool = false;
  verb: Text = T("get");
  subresource: Text = T("proxy");
  /** SHA-256 of the token, or of the attributes, being reviewed. */
  digest: ByteBuf = ByteBuf.create(DIGEST_BYTES);
  /** A review for this request is on the wire. */
  reviewing: bool = false;
  refusalCode: i32 = 0;
  refusal: Text = T("");

  /** A new connection: the identity of its verified client certificate ("CN\nO1\nO2…" at ptr), if any. */
  reset(identityPtr: usize, identityLen: i32): void {
    this.ticket++;
    this.phase = ACCESS_READING;
    this.reviewing = false;
    this.user.clear();
    this.groups.clear();
    this.fromCertificate = false;
    if (identityLen > 0) this.takeCertificateIdentity(identityPtr, identityLen);
  }

  /** The same connection's next request: a client certificate still names its user; a token is checked afresh. */
  nextRequest(): void {
    this.ticket++;
    this.phase = ACCESS_READING;
    this.reviewing = false;
    if (this.fromCertificate) return;
    this.user.clear();
    this.groups.clear();
  }

  private takeCertificateIdentity(ptr: usize, len: i32): void {
    let end = 0;
    while (end < len && load<u8>(ptr + <usize>end) != 0x0a) end++;
    // The host verified the certificate; its names still go into JSON and
    // logs, so only printable ASCII is taken, and nothing is cut short.
    for (let i = 0; i < len; i++) {
      const b = load<u8>(ptr + <usize>i);
      if (b != 0x0a && (b < 0x20 || b > 0x7e)) return this.refuseIdentity(T("a client certificate name that is not printable ASCII"));
    }
    if (end == 0) return this.refuseIdentity(T("a client certificate without a common name"));
    this.user.append(ptr, end);
    if (end < len) this.groups.append(ptr + <usize>(end + 1), len - end - 1);
    if (this.user.overflow || this.groups.overflow) return this.refuseIdentity(T("client certificate names longer than the Pico keeps"));
    this.fromCertificate = true;
  }

  private refuseIdentity(why: Text): void {
    this.user.clear();
    this.groups.clear();
    const o = logBegin(LOG_WARN, T("kubelet"));
    o.ascii(T("ignoring "));
    o.ascii(why);
    logEnd();
  }

  refuse(code: i32, why: Text): void {
    this.phase = ACCESS_REFUSED;
    this.refusalCode = code;
    this.refusal = why;
  }

  /** The request is complete: decide from the caches, or say which review it needs. */
  decide(p: HttpRequestParser): void {
    this.verb = requestVerb(p.method);
    this.subresource = requestSubresource(p.path);
    if (this.fromCertificate) return this.authorize();
    if (p.bearer.len == 0) {
      if (p.hasAuthorization) return this.refuse(401, T("Unauthorized: the Authorization header is not a bearer token of at most 2048 bytes"));
      return this.refuse(401, T("Unauthorized: present a client certificate from the cluster's CA or a bearer token"));
    }
    digestOf(p.bearer.ptr, p.bearer.len, this.digest);
    const cached = tokenCache.find(this.digest);
    if (cached == null) {
      this.phase = ACCESS_NEEDS_TOKEN_REVIEW;
      return;
    }
    this.authenticated(cached);
  }

  /** A token's verdict (cached or just reviewed). */
  authenticated(e: CacheEntry): void {
    if (!e.allowed) return this.refuse(401, T("Unauthorized: the API server does not accept this bearer token"));
    this.user.copyFrom(e.user);
    this.groups.copyFrom(e.groups);
    this.authorize();
  }

  private authorize(): void {
    const s = scratch;
    s.clear();
    s.appendBuf(this.user);
    s.push(0);
    s.appendBuf(this.groups);
    s.push(0);
    s.appendAscii(this.verb);
    s.push(0);
    s.appendAscii(this.subresource);
    digestOf(s.ptr, s.len, this.digest);
    const cached = decisionCache.find(this.digest);
    if (cached == null) {
      this.phase = ACCESS_NEEDS_ACCESS_REVIEW;
      return;
    }
    this.decided(cached.allowed);
  }

  /** The authorizer's verdict (cached or just reviewed). */
  decided(allowed: bool): void {
    if (allowed) {
      this.phase = ACCESS_ALLOWED;
      return;
    }
    this.refuse(403, T("Forbidden"));
    const o = logBegin(LOG_DEBUG, T("kubelet"));
    o.ascii(T("403 for "));
    o.buf(this.user);
    o.ascii(T(": "));
    o.ascii(this.verb);
    o.ascii(T(" nodes/"));
    o.ascii(this.subresource);
    o.byte(0x2f);
    o.buf(config.nodeName);
    logEnd();
  }
}
