// Raw HTTP messages as kube-apiserver 1.34 (directly or behind nginx) and the
// kubelet port's clients (curl, metrics-server, the API server) send them.
// Lengths and chunk sizes are computed, so the fixtures can be edited safely.

const AUDIT = "Audit-Id: 0f4bd5c1-8a7e-4d2b-b9c3-6e1f2a3b4c5d\r\n";
const PF =
  "X-Kubernetes-Pf-Flowschema-Uid: 4a1c8e2f-5b6d-4c7e-8f90-a1b2c3d4e5f6\r\n" +
  "X-Kubernetes-Pf-Prioritylevel-Uid: 9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a\r\n";
export const DATE_VALUE = "Sun, 22 Nov 2026 22:03:00 GMT";
const DATE = "Date: " + DATE_VALUE + "\r\n";

function length(body: string): string {
  return "Content-Length: " + body.length.toString() + "\r\n";
}

/** One chunk of the chunked coding; sizes in lower or upper case hex. */
export function chunk(data: string, ext: string = "", upper: bool = false): string {
  const size = data.length.toString(16);
  return (upper ? size.toUpperCase() : size) + ext + "\r\n" + data + "\r\n";
}

// ---- responses ----

export const NODE_BODY =
  '{"kind":"Node","apiVersion":"v1","metadata":{"name":"pico-1","uid":"3f8e2a4c-1b7d-4e9a-8c55-0d6b2f9e7a13",' +
  '"resourceVersion":"48213","creationTimestamp":"2026-11-22T22:03:00Z","labels":{"kubernetes.io/arch":"arm",' +
  '"kubernetes.io/hostname":"pico-1","kubernetes.io/os":"pico","node.kubernetes.io/instance-type":"rp2040"},' +
  '"managedFields":[{"manager":"k3s-pico-node","operation":"Update","apiVersion":"v1","time":"2026-11-22T22:03:00Z",' +
  '"fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:kubernetes.io/arch":{}}}}}]},' +
  '"spec":{"taints":[{"key":"kubernetes.io/arch","value":"arm","effect":"NoSchedule"}]},' +
  '"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"","systemUUID":"",' +
  '"bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"v1.34.1-pico",' +
  '"kubeProxyVersion":"","operatingSystem":"pico","architecture":"arm"}}}\n';

export const RESP_201_NODE =
  "HTTP/1.1 201 Created\r\n" +
  AUDIT +
  "Cache-Control: no-cache, private\r\n" +
  "Content-Type: application/json\r\n" +
  PF +
  DATE +
  length(NODE_BODY) +
  "\r\n" +
  NODE_BODY;

export const CONFLICT_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes \\"pico-1\\" already exists",' +
  '"reason":"AlreadyExists","details":{"name":"pico-1","kind":"nodes"},"code":409}\n';

export const RESP_409_CONFLICT =
  "HTTP/1.1 409 Conflict\r\n" +
  AUDIT +
  "Cache-Control: no-cache, private\r\n" +
  "Content-Type: application/json\r\n" +
  PF +
  DATE +
  length(CONFLICT_BODY) +
  "\r\n" +
  CONFLICT_BODY;

export const NOT_FOUND_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"leases.coordination.k8s.io \\"pico-1\\" not found","reason":"NotFound",' +
  '"details":{"name":"pico-1","group":"coordination.k8s.io","kind":"leases"},"code":404}\n';

export const RESP_404_NOT_FOUND =
  "HTTP/1.1 404 Not Found\r\n" +
  AUDIT +
  "Cache-Control: no-cache, private\r\n" +
  "Content-Type: application/json\r\n" +
  PF +
  DATE +
  length(NOT_FOUND_BODY) +
  "\r\n" +
  NOT_FOUND_BODY;

export const TOO_MANY_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"Too many requests, please try again later.","reason":"TooManyRequests",' +
  '"details":{"retryAfterSeconds":1},"code":429}\n';

export const RESP_429_RETRY =
  "HTTP/1.1 429 Too Many Requests\r\n" +
  AUDIT +
  "Cache-Control: no-cache, private\r\n" +
  "Content-Type: application/json\r\n" +
  "Retry-After: 1\r\n" +
  PF +
  DATE +
  length(TOO_MANY_BODY) +
  "\r\n" +
  TOO_MANY_BODY;

export const EVENT_ADDED =
  '{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-1-config",' +
  '"namespace":"pico","uid":"8d1f5a2e-7c3b-4f6d-9e0a-1b2c3d4e5f60","resourceVersion":"48230",' +
  '"creationTimestamp":"2026-11-22T21:58:12Z"},"data":{"gpio.25":"1","interval":"0x10"}}}\n';
export const EVENT_MODIFIED =
  '{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-1-config",' +
  '"namespace":"pico","uid":"8d1f5a2e-7c3b-4f6d-9e0a-1b2c3d4e5f60","resourceVersion":"48251",' +
  '"creationTimestamp":"2026-11-22T21:58:12Z"},"data":{"gpio.25":"0","interval":"0x10"}}}\n';
export const EVENT_BOOKMARK =
  '{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"48260",' +
  '"creationTimestamp":null}}}\n';
export const WATCH_BODY = EVENT_ADDED + EVENT_MODIFIED + EVENT_BOOKMARK;

// Chunk boundaries cut events in the middle; one chunk has extensions, one an
// upper-case size, and the last chunk carries trailer fields.
export const RESP_WATCH_CHUNKED =
  "HTTP/1.1 200 OK\r\n" +
  AUDIT +
  "Cache-Control: no-cache, private\r\n" +
  "Content-Type: application/json\r\n" +
  PF +
  DATE +
  "Transfer-Encoding: chunked\r\n" +
  "\r\n" +
  chunk(EVENT_ADDED.substring(0, 57)) +
  chunk(EVENT_ADDED.substring(57) + EVENT_MODIFIED.substring(0, 23), ';ext-name="quoted; value";flag') +
  chunk(EVENT_MODIFIED.substring(23) + EVENT_BOOKMARK.substring(0, 5), "", true) +
  chunk(EVENT_BOOKMARK.substring(5)) +
  "0\r\nX-Watch-Trailer: done\r\nX-Second: 2\r\n\r\n";

export const LIST_BODY =
  '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"48230"},"items":[{"metadata":' +
  '{"name":"pico-1-config","namespace":"pico","uid":"8d1f5a2e-7c3b-4f6d-9e0a-1b2c3d4e5f60",' +
  '"resourceVersion":"48230","creationTimestamp":"2026-11-22T21:58:12Z"},"data":{"gpio.25":"1"}}]}\n';

// nginx in front of the API server, body delimited by the connection closing.
export const RESP_UNTIL_CLOSE =
  "HTTP/1.1 200 OK\r\n" +
  "Server: nginx/1.22.1\r\n" +
  DATE +
  "Content-Type: application/json\r\n" +
  "Connection: close\r\n" +
  AUDIT +
  "Cache-Control: no-cache, private\r\n" +
  PF +
  "\r\n" +
  LIST_BODY;

export const BAD_GATEWAY_BODY =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
  "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

export const RESP_NGINX_502 =
  "HTTP/1.1 502 Bad Gateway\r\n" +
  "Server: nginx/1.22.1\r\n" +
  DATE +
  "Content-Type: text/html\r\n" +
  length(BAD_GATEWAY_BODY) +
  "Connection: close\r\n" +
  "\r\n" +
  BAD_GATEWAY_BODY;

export const LEASE_BODY =
  '{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"pico-1","namespace":"kube-node-lease",' +
  '"resourceVersion":"48300"},"spec":{"holderIdentity":"pico-1","leaseDurationSeconds":40,' +
  '"renewTime":"2026-11-22T22:03:00.000000Z"}}\n';

// An interim 100 and a 103 with fields of its own, both to be skipped.
export const RESP_INTERIM_THEN_200 =
  "HTTP/1.1 100 Continue\r\n\r\n" +
  "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nContent-Type: text/plain\r\nRetry-After: 9\r\n\r\n" +
  "HTTP/1.1 200 OK\r\n" +
  AUDIT +
  "Content-Type: application/json\r\n" +
  DATE +
  length(LEASE_BODY) +
  "\r\n" +
  LEASE_BODY;

export const RESP_204 = "HTTP/1.1 204 No Content\r\n" + AUDIT + "Cache-Control: no-cache, private\r\n" + DATE + "\r\n";

// 304 declares the length of the body it does not send.
export const RESP_304 = "HTTP/1.1 304 Not Modified\r\n" + DATE + "Content-Length: 1234\r\n\r\n";

// HTTP/1.0 without keep-alive: the body runs until close.
export const RESP_HTTP10 = "HTTP/1.0 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\r\n" + LEASE_BODY;

// ---- requests ----

const KUBELET_HOST = "Host: 192.168.1.50:10250\r\n";
const CURL = "User-Agent: curl/8.14.1\r\nAccept: */*\r\n";
// A node-specific token: bearer tokens are kept up to 128 bytes.
export const TOKEN = "pico1.7f3c9a2e5b8d4f1a6c0e9b2d7a4f8c1e3b6d9a0f2c5e8b1d4a7f0c3e6b9d2a5f_-~+/=";
// A service-account JWT is far longer (about 1 KB in practice).
export const SA_JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6Ik1qZ3lOVGMifQ." + "eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzLmRlZmF1bHQuc3ZjIl19".repeat(12) + ".c2lnbmF0dXJl";

export const REQ_HEALTHZ = "GET /healthz HTTP/1.1\r\n" + KUBELET_HOST + CURL + "\r\n";
export const REQ_HEALTHZ_VERBOSE = "GET /healthz?verbose=1 HTTP/1.1\r\n" + KUBELET_HOST + CURL + "\r\n";
export const REQ_HEAD = "HEAD /healthz HTTP/1.1\r\n" + KUBELET_HOST + CURL + "\r\n";

export const COMMAND_BODY = '{"gpio":{"pin":25,"value":1},"reason":"blink"}';
export const REQ_POST_COMMAND =
  "POST /pico/command HTTP/1.1\r\n" +
  KUBELET_HOST +
  CURL +
  "Authorization: Bearer " +
  TOKEN +
  "\r\n" +
  "Content-Type: application/json\r\n" +
  length(COMMAND_BODY) +
  "\r\n" +
  COMMAND_BODY;

export const REQ_POST_CHUNKED =
  "POST /pico/command?dryRun=All HTTP/1.1\r\n" +
  KUBELET_HOST +
  "User-Agent: kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9\r\n" +
  "Authorization: bearer  " +
  TOKEN +
  "  \r\n" +
  "Content-Type: application/json\r\n" +
  "Transfer-Encoding: chunked\r\n" +
  "\r\n" +
  chunk(COMMAND_BODY.substring(0, 9)) +
  chunk(COMMAND_BODY.substring(9, 30), ";a=b") +
  chunk(COMMAND_BODY.substring(30), "", true) +
  "0\r\nX-Checksum: 1\r\n\r\n";

export const REQ_METRICS_ABSOLUTE =
  "GET http://192.168.1.50:10250/metrics/resource?format=text HTTP/1.1\r\n" +
  KUBELET_HOST +
  "User-Agent: metrics-server/v0.8.0 (linux/amd64) kubernetes/$Format\r\n" +
  "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\n" +
  "Authorization: Bearer " +
  TOKEN +
  "\r\n" +
  "Accept-Encoding: gzip\r\n" +
  "\r\n";
