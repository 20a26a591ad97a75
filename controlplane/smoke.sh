#!/usr/bin/env bash
# Smoke-test a control plane started by up.sh:  smoke.sh <state-dir>
#
# Checks, with kubectl and curl: /readyz, namespaces, ConfigMap create, the
# Node authorizer + NodeRestriction (system:node:pico-a may create Node pico-a
# but not pico-b), the controller-manager's leader Lease, metrics.k8s.io served
# through the aggregator, and that an etcd compaction (etcd-compact) turns an
# old resourceVersion into 410 Gone.
# Leaves nothing behind except the node certs it needs (pico-a).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <state-dir>" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="$(cd "$1" && pwd)"
[ -f "$state/env" ] || { echo "no $state/env: is the control plane up?" >&2; exit 1; }
set -a; . "$state/env"; set +a

kubectl="${KUBECTL:-kubectl}"
pass=0; fail=0
ok()  { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what="$1"; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }

"$here/certs.sh" "$K8S_PKI_DIR" pico-a 2>/dev/null   # keeps the current server URL
node_kc="$K8S_PKI_DIR/node-pico-a.kubeconfig"
admin_curl=(curl -sS --cacert "$K8S_CA_FILE" --cert "$K8S_PKI_DIR/admin.crt" --key "$K8S_PKI_DIR/admin.key")
cm="smoke-$$"
node_json() { printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"}}' "$1"; }
list_rv() {
  "$kubectl" get --raw "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3D$cm" |
    sed -n 's/.*"resourceVersion":"\([0-9]*\)".*/\1/p' | head -n 1
}

check "/readyz is ok" test "$("$kubectl" get --raw /readyz)" = ok
check "list namespaces" "$kubectl" get ns kube-system
check "create ConfigMap default/$cm" "$kubectl" -n default create configmap "$cm" --from-literal=k=v

"$kubectl" delete node pico-a pico-b --ignore-not-found >/dev/null   # from an earlier run
if node_json pico-a | "$kubectl" --kubeconfig "$node_kc" create -f - >/dev/null 2>&1; then
  ok "system:node:pico-a creates Node pico-a"
else
  bad "system:node:pico-a could not create Node pico-a"
fi
out="$(node_json pico-b | "$kubectl" --kubeconfig "$node_kc" create -f - 2>&1 || true)"
case "$out" in *Forbidden*|*forbidden*) ok "system:node:pico-a creating Node pico-b is forbidden";;
               *) bad "pico-b not forbidden: $out";; esac
out="$("$kubectl" --kubeconfig "$node_kc" -n default get configmap "$cm" 2>&1 || true)"
case "$out" in *forbidden*) ok "system:node:pico-a cannot read an unrelated ConfigMap";;
               *) bad "node read ConfigMap: $out";; esac

# The running controller-manager must have won leader election (after a
# restart it first waits out the old holder's 15 s lease).
acquired=""
for _ in $(seq 40); do
  grep -q 'successfully acquired lease kube-system/kube-controller-manager' \
    "$state/kube-controller-manager.log" && { acquired=1; break; }
  sleep 1
done
lease="$("$kubectl" -n kube-system get lease kube-controller-manager -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true)"
if [ -n "$acquired" ] && [ -n "$lease" ]; then
  ok "controller-manager is leader (Lease kube-system/kube-controller-manager held by $lease)"
else
  bad "controller-manager not leader (lease holder: '${lease}')"
fi

# metrics-server through the aggregator: Available, and answering as the
# admin (an empty NodeMetricsList until a kubelet serves /metrics/resource).
avail="$("$kubectl" get apiservice v1beta1.metrics.k8s.io \
  -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>&1 || true)"
check "APIService v1beta1.metrics.k8s.io Available (got '$avail')" test "$avail" = True
check "metrics.k8s.io lists node metrics" "$kubectl" get --raw /apis/metrics.k8s.io/v1beta1/nodes

# Compaction: remember a list RV, change the object, compact etcd up to now.
rv0="$(list_rv)"
"$kubectl" -n default patch configmap "$cm" -p '{"data":{"k":"v2"}}' >/dev/null
"$kubectl" -n default patch configmap "$cm" -p '{"data":{"k":"v3"}}' >/dev/null
crev="$("$ETCD_COMPACT" -endpoint "$ETCD_ENDPOINT")"
echo "info: list RV $rv0, compacted etcd to revision $crev"
code="$("${admin_curl[@]}" -o /dev/null -w '%{http_code}' \
  "$K8S_API_URL/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3D$cm&resourceVersion=$rv0&resourceVersionMatch=Exact")"
check "LIST at compacted RV gives HTTP 410 (got $code)" test "$code" = 410
# A WATCH from the old RV is answered by the watch cache unless it is off
# for configmaps (WATCH_CACHE=false or --watch-cache-sizes=configmaps#0).
first="$("${admin_curl[@]}" --max-time 5 \
  "$K8S_API_URL/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3D$cm&watch=1&resourceVersion=$rv0&timeoutSeconds=2" |
  head -n 1 | cut -c1-160 || true)"
echo "info: WATCH from RV $rv0 -> $first"

"$kubectl" delete node pico-a --wait=false >/dev/null 2>&1 || true
"$kubectl" -n default delete configmap "$cm" --wait=false >/dev/null 2>&1 || true
echo "smoke: $pass passed, $fail failed"
[ "$fail" = 0 ]
