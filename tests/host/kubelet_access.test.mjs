// Who gets in on the kubelet port, as with kubelet's anonymous-auth=false and
// webhook authn/authz: client certificates (verified by the host) or bearer
// tokens (TokenReview), then SubjectAccessReview on nodes/<subresource>, each
// cached for kubelet's times; the plain healthz port answers /healthz alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseResponse, apiResponse } from "./fake_host.mjs";
import { boot, NODE } from "./helpers.mjs";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9." + "x".repeat(900) + ".sig";
const get = (path, auth = "") => `GET ${path} HTTP/1.1\r\nHost: pico\r\n${auth}\r\n`;
const bearer = (t) => `Authorization: Bearer ${t}\r\n`;

/** The review connection, connected, with its request written. */
function reviewConnection(h) {
  for (const c of h.pending()) if (!c.open) h.connect(c);
  return h.pending().find((c) => /reviews /.test(c.out));
}

function statusBody(res) {
  const s = JSON.parse(res.body);
  assert.equal(s.kind, "Status");
  assert.equal(s.status, "Failure");
  assert.equal(s.code, res.status);
  return s;
}

test("no client certificate and no token: 401 with a Status body, and nothing is asked of the API server", async () => {
  const h = await boot();
  const c = h.client(get("/metrics/resource"), 0, { identity: "", review: null });
  const res = parseResponse(c.out);
  assert.equal(res.status, 401);
  assert.equal(statusBody(res).reason, "Unauthorized");
  assert.match(res.headers["www-authenticate"], /^Bearer/);
  assert.equal(h.answerReviews(true).length, 0);
  const malformed = parseResponse(h.client(get("/metrics", "Authorization: Basic Zm9vOmJhcg==\r\n"), 0, { identity: "", review: null }).out);
  assert.equal(malformed.status, 401);
  assert.match(statusBody(malformed).message, /not a bearer token/);
});

test("a bearer token: TokenReview, then SubjectAccessReview for that user on nodes/metrics; both answers are cached", async () => {
  const h = await boot();
  const c = h.client(get("/metrics/resource", bearer(TOKEN)), 0, { identity: "", review: null });
  const [tr, sar] = h.answerReviews(true);
  assert.equal(tr.target, "/apis/authentication.k8s.io/v1/tokenreviews");
  assert.equal(tr.json.spec.token, TOKEN);
  assert.equal(sar.target, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
  assert.deepEqual(sar.json.spec, {
    user: "system:serviceaccount:default:scraper",
    groups: ["system:serviceaccounts", "system:authenticated"],
    resourceAttributes: { verb: "get", resource: "nodes", subresource: "metrics", name: NODE },
  });
  assert.equal(parseResponse(c.out).status, 200);
  // Within kubelet's cache times: no reviews at all.
  h.tick(100_000);
  assert.equal(parseResponse(h.client(get("/metrics", bearer(TOKEN)), 0, { identity: "", review: null }).out).status, 200);
  assert.equal(h.answerReviews(true).length, 0);
  // Past 2 min the token is reviewed again; the decision (5 min) still holds.
  h.tick(30_000);
  const again = h.client(get("/metrics", bearer(TOKEN)), 0, { identity: "", review: null });
  assert.deepEqual(h.answerReviews(true).map((r) => r.target), ["/apis/authentication.k8s.io/v1/tokenreviews"]);
  assert.equal(parseResponse(again.out).status, 200);
});

test("a token the API server does not accept: 401; asked again only after 10 s", async () => {
  const h = await boot();
  const c = h.client(get("/metrics", bearer("bogus")), 0, { identity: "", review: null });
  assert.equal(h.answerReviews(false).length, 1);
  const res = parseResponse(c.out);
  assert.equal(res.status, 401);
  assert.match(statusBody(res).message, /does not accept this bearer token/);
  assert.equal(parseResponse(h.client(get("/metrics", bearer("bogus")), 0, { identity: "", review: null }).out).status, 401);
  assert.equal(h.answerReviews(false).length, 0, "the rejection is cached");
  h.tick(10_500);
  h.client(get("/metrics", bearer("bogus")), 0, { identity: "", review: null });
  assert.equal(h.answerReviews(false).length, 1);
});

test("denied: 403 naming user, verb and subresource as kubelet does; the denial is cached 30 s", async () => {
  const h = await boot();
  const identity = "alice\ndevelopers";
  const c = h.client(get("/metrics/resource"), 0, { identity, review: null });
  const [sar] = h.answerReviews(false);
  assert.deepEqual(sar.json.spec.user, "alice");
  assert.deepEqual(sar.json.spec.groups, ["developers"]);
  const res = parseResponse(c.out);
  assert.equal(res.status, 403);
  const s = statusBody(res);
  assert.equal(s.reason, "Forbidden");
  assert.equal(s.message, "Forbidden (user=alice, verb=get, resource=nodes, subresource=metrics)");
  assert.equal(parseResponse(h.client(get("/metrics"), 0, { identity, review: null }).out).status, 403);
  assert.equal(h.answerReviews(false).length, 0);
  h.tick(31_000);
  const later = h.client(get("/metrics"), 0, { identity, review: null });
  assert.equal(h.answerReviews(true).length, 1);
  assert.equal(parseResponse(later.out).status, 200);
});

test("paths map to subresources as kubelet maps them, and the method to the verb", async () => {
  const h = await boot();
  const cases = [["/metrics/resource", "metrics"], ["/spec", "spec"], ["/healthz", "proxy"], ["/pods", "proxy"], ["/pico/memory", "proxy"], ["/nope", "proxy"]];
  for (const [i, [path, subresource]] of cases.entries()) {
    // A different user each time, so nothing comes from the cache.
    h.client(get(path), 0, { identity: `user-${i}`, review: null });
    const [sar] = h.answerReviews(true);
    assert.equal(sar.json.spec.resourceAttributes.subresource, subresource, path);
    assert.equal(sar.json.spec.resourceAttributes.verb, "get", path);
  }
});

test("the plain healthz port answers /healthz to anyone, and nothing else", async () => {
  const h = await boot();
  const ok = parseResponse(h.client(get("/healthz"), 0, { identity: "", listener: 1, review: null }).out);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, "ok");
  const other = parseResponse(h.client(get("/pico/memory"), 0, { identity: "", listener: 1, review: null }).out);
  assert.equal(other.status, 404);
  // A certificate identity means nothing there (the host passes none; the core ignores one).
  const metrics = parseResponse(h.client(get("/metrics"), 0, { listener: 1, review: null }).out);
  assert.equal(metrics.status, 404);
  assert.equal(h.answerReviews(true).length, 0);
});

test("a review the API server cannot answer: 503, nothing cached, the next request asks again", async () => {
  const h = await boot();
  const c = h.client(get("/metrics"), 0, { review: null });
  const conn = reviewConnection(h);
  h.takeRequest(conn);
  h.deliver(conn, apiResponse(500, { kind: "Status", code: 500, message: "etcd down" }));
  const res = parseResponse(c.out);
  assert.equal(res.status, 503);
  assert.match(statusBody(res).message, /could not be asked/);
  const again = h.client(get("/metrics"), 0, { review: null });
  assert.equal(h.answerReviews(true).length, 1);
  assert.equal(parseResponse(again.out).status, 200);
});

test("a client that hangs up during its review frees the slot; the answer is still cached", async () => {
  const h = await boot();
  const c = h.client(get("/metrics"), 0, { review: null });
  h.peerClose(c);
  assert.equal(h.answerReviews(true).length, 1);
  assert.equal(c.out, "", "nothing is written to a closed connection");
  const next = h.client(get("/metrics"), 0, { review: null });
  assert.equal(h.answerReviews(true).length, 0, "the decision came from the cache");
  assert.equal(parseResponse(next.out).status, 200);
});

test("a certificate name with control bytes is ignored, not echoed: the client is anonymous", async () => {
  const h = await boot();
  const c = h.client(get("/metrics"), 0, { identity: "evil\u0007\nsystem:masters", review: null });
  assert.equal(parseResponse(c.out).status, 401);
  assert.equal(h.answerReviews(true).length, 0);
  assert.match(h.logText(), /ignoring a client certificate name that is not printable ASCII/);
});

test("a request waiting for its review is not cut off by the idle timeout; the review's own timeout bounds it", async () => {
  const h = await boot();
  const c = h.client(get("/metrics"), 0, { review: null });
  assert.ok(reviewConnection(h));
  h.tick(10_500); // the review request times out (request_timeout_ms), the idle timer does not fire first
  const res = parseResponse(c.out);
  assert.equal(res.status, 503);
});
