// The reviews behind kubelet-port access: TokenReview (who holds this bearer
// token?) and SubjectAccessReview (may they do this to this node?), one at a
// time on the review channel. A review copies what it asks about, so a client
// that hangs up meanwhile cannot change the question; its answer is cached
// either way, and handed to the request only if the slot still waits for it.

import { config } from "../config";
import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { LOG_WARN, logBegin, logEnd } from "../lib/log";
import { JsonReader, JSON_STRING, JSON_TRUE } from "../json/reader";
import { JsonWriter } from "../json/writer";
import { HttpResponseParser } from "../http/response_parser";
import { ApiChannel } from "../api/channel";
import { ApiRequest, StatusFields, failureName } from "../api/request";
import { isSuccess } from "../api/outcome";
import { T, Text, textLen } from "../lib/text";
import { Access, ACCESS_NEEDS_ACCESS_REVIEW, ACCESS_NEEDS_TOKEN_REVIEW, BEARER_BYTES, GROUPS_BYTES, USER_BYTES, decisionCache, tokenCache } from "./access";
import { DIGEST_BYTES } from "./review_cache";

const COMPONENT = T("kubelet-auth");
const OP_TOKEN = 0;
const OP_ACCESS = 1;

class ReviewRequest extends ApiRequest {
  op: i32 = OP_TOKEN;
  access: Access | null = null;
  ticket: u32 = 0;
  digest: ByteBuf = ByteBuf.create(DIGEST_BYTES);
  // The question.
  token: ByteBuf = ByteBuf.create(BEARER_BYTES);
  user: ByteBuf = ByteBuf.create(USER_BYTES);
  groups: ByteBuf = ByteBuf.create(GROUPS_BYTES);
  verb: Text = T("get");
  subresource: Text = T("proxy");
  // The answer.
  yes: bool = false;
  answeredUser: ByteBuf = ByteBuf.create(USER_BYTES);
  answeredGroups: ByteBuf = ByteBuf.create(GROUPS_BYTES);

  constructor(status: StatusFields) {
    super(status, T("TokenReview"));
    this.method = T("POST");
    this.hasBody = true;
  }
  setOp(op: i32): void {
    this.op = op;
    this.label = op == OP_TOKEN ? T("TokenReview") : T("SubjectAccessReview");
  }
  writeTarget(out: Out): void {
    out.ascii(this.op == OP_TOKEN ? T("/apis/authentication.k8s.io/v1/tokenreviews") : T("/apis/authorization.k8s.io/v1/subjectaccessreviews"));
  }
  renderBody(w: JsonWriter): void {
    w.beginObject();
    if (this.op == OP_TOKEN) {
      w.fixed(T('"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview"'));
      w.key(T("spec")).beginObject().kBuf(T("token"), this.token).endObject();
    } else {
      w.fixed(T('"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview"'));
      w.key(T("spec")).beginObject();
      w.kBuf(T("user"), this.user);
      w.key(T("groups")).beginArray();
      writeLines(w, this.groups);
      w.endArray();
      w.key(T("resourceAttributes")).beginObject();
      w.kStr(T("verb"), this.verb).fixed(T('"resource":"nodes"')).kStr(T("subresource"), this.subresource).kBuf(T("name"), config.nodeName);
      w.endObject();
      w.endObject();
    }
    w.endObject();
  }
  begin(p: HttpResponseParser): void {
    super.begin(p);
    this.yes = false;
    this.answeredUser.clear();
    this.answeredGroups.clear();
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    if (!r.keyIs(1, T("status"))) return;
    if (kind == JSON_TRUE && r.depth == 2) {
      if (r.keyIs(2, this.op == OP_TOKEN ? T("authenticated") : T("allowed"))) this.yes = true;
      return;
    }
    if (kind != JSON_STRING || this.op != OP_TOKEN || !r.keyIs(2, T("user"))) return;
    if (r.depth == 3 && r.keyIs(3, T("username"))) {
      this.capture(this.answeredUser, r, T("status.user.username is longer than 128 bytes"));
    } else if (r.depth == 4 && r.keyIs(3, T("groups")) && r.indexAt(4) >= 0) {
      const g = this.answeredGroups;
      if (g.len > 0) g.push(0x0a);
      if (r.value.overflow || hasNewline(r.value) || !g.appendBuf(r.value)) {
        if (textLen(this.unusable) == 0) this.unusable = T("status.user.groups do not fit 256 bytes as lines");
      }
    }
  }
  lacking(): Text {
    if (this.op == OP_TOKEN && this.yes && this.answeredUser.len == 0) return T("an authenticated TokenReview without status.user.username");
    return T("");
  }
  complete(p: HttpResponseParser): void {
    reviews.done(this, p);
  }
  failed(kind: i32): void {
    reviews.noAnswer(this, failureName(kind));
  }
}

function hasNewline(b: ByteBuf): bool {
  for (let i = 0; i < b.len; i++) if (b.at(i) == 0x0a) return true;
  return false;
}

/** Each line of buf as a JSON string. */
function writeLines(w: JsonWriter, buf: ByteBuf): void {
  let start = 0;
  for (let i = 0; i <= buf.len; i++) {
    if (i < buf.len && buf.at(i) != 0x0a) continue;
    if (i > start) w.strBytes(buf.ptr + <usize>start, i - start);
    start = i + 1;
  }
}

// Plain data, created once: no managed header needed.
@unmanaged
export class Reviews {
  private req: ReviewRequest;
  tokenReviews: u64 = 0;
  accessReviews: u64 = 0;
  failures: u64 = 0;

  constructor(status: StatusFields) {
    this.req = new ReviewRequest(status);
  }

  /** Starts the review a waiting request needs. True if the channel was used. */
  start(ch: ApiChannel, a: Access, bearer: ByteBuf): bool {
    if (ch.busy() || a.reviewing) return false;
    const r = this.req;
    r.access = a;
    r.ticket = a.ticket;
    r.digest.copyFrom(a.digest);
    if (a.phase == ACCESS_NEEDS_TOKEN_REVIEW) {
      r.setOp(OP_TOKEN);
      r.token.copyFrom(bearer);
      this.tokenReviews++;
    } else if (a.phase == ACCESS_NEEDS_ACCESS_REVIEW) {
      r.setOp(OP_ACCESS);
      r.user.copyFrom(a.user);
      r.groups.copyFrom(a.groups);
      r.verb = a.verb;
      r.subresource = a.subresource;
      this.accessReviews++;
    } else {
      return false;
    }
    a.reviewing = true;
    ch.start(r);
    return true;
  }

  /** The request still waiting for this review, or null. */
  private waiting(r: ReviewRequest): Access | null {
    const a = r.access;
    if (a == null || a.ticket != r.ticket || !a.reviewing) return null;
    a.reviewing = false;
    return a;
  }

  done(r: ReviewRequest, p: HttpResponseParser): void {
    if (!isSuccess(p.status)) {
      const o = logBegin(LOG_WARN, COMPONENT);
      o.ascii(r.label);
      o.ascii(T(": HTTP "));
      o.dec(<u64>p.status);
      if (r.status.message.len > 0) {
        o.ascii(T(" ("));
        o.excerpt(r.status.message);
        o.ascii(T(")"));
      }
      logEnd();
      this.unanswered(r);
      return;
    }
    const a = this.waiting(r);
    if (r.op == OP_TOKEN) {
      const e = tokenCache.put(r.digest, r.yes);
      e.user.copyFrom(r.answeredUser);
      e.groups.copyFrom(r.answeredGroups);
      if (a != null) a.authenticated(e);
    } else {
      decisionCache.put(r.digest, r.yes);
      if (a != null) a.decided(r.yes);
    }
  }

  noAnswer(r: ReviewRequest, why: Text): void {
    const o = logBegin(LOG_WARN, COMPONENT);
    o.ascii(r.label);
    o.ascii(T(": "));
    o.ascii(why);
    logEnd();
    this.unanswered(r);
  }

  /** No verdict: the request is refused now (nothing cached), and may be retried by its client. */
  private unanswered(r: ReviewRequest): void {
    this.failures++;
    const a = this.waiting(r);
    if (a != null) a.refuse(503, T("the API server could not be asked whether this request is allowed; try again"));
  }
}

export const reviews = new Reviews(new StatusFields());
