#!/usr/bin/env bash
# Start a local control plane in the background:  up.sh <state-dir>
#
#   etcd -> kube-apiserver -> kube-controller-manager -> metrics-server, all on
#   127.0.0.1 ports picked at run time; metrics-server is registered as the
#   APIService v1beta1.metrics.k8s.io. Logs (*.log), pids (*.pid), etcd data
#   and the PKI (pki/, made by certs.sh) live in <state-dir>. When /readyz is
#   ok and the APIService is Available (a few seconds), writes
#   <state-dir>/env (KEY=value lines; source it or parse it):
#     KUBECONFIG, K8S_API_URL, K8S_CA_FILE, ETCD_ENDPOINT, ETCD_COMPACT, ...
#
# Environment:
#   NODES                      node names to make certs/kubeconfigs for (e.g. "pico-a pico-b")
#   NODE_MONITOR_GRACE_PERIOD  controller-manager grace period (default 50s, the 1.34 default)
#   NODE_STARTUP_GRACE_PERIOD  grace for a Node that never posted a Ready condition (default 1m)
#   ETCD_COMPACTION_INTERVAL   API server's own periodic etcd compaction (default 5m; 0 = off)
#   WATCH_CACHE                "false" serves watches straight from etcd (default true)
#   KUBELET_VERIFY             "false" stops the API server verifying kubelet serving certs
#   APISERVER_EXTRA_ARGS, KCM_EXTRA_ARGS  more flags (word-split), e.g.
#                              APISERVER_EXTRA_ARGS=--watch-cache-sizes=configmaps#0
#   PICO_NODE_BIN              use binaries from this dir instead of running build.sh
#   READY_TIMEOUT              seconds to wait for readiness (default 120)
#
# Running up.sh again on the same state dir after down.sh keeps the etcd data
# and, if they are still free, the same ports (so a client's URL stays valid).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <state-dir>" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
state="$(cd "$1" && pwd)"
pki="$state/pki"

log() { echo "[up] $*" >&2; }
die() { log "$*"; exit 1; }

command -v curl >/dev/null || die "curl is needed for the readiness checks"

# Refuse to start a second copy on the same state dir. (A pid counts only if
# it still runs the same program: pids of a crashed run may have been reused.)
running() {
  local exe
  exe="$(readlink "/proc/$(cat "$state/$1.pid" 2>/dev/null)/exe" 2>/dev/null)" || return 1
  exe="${exe% (deleted)}"
  [ "$(basename "$exe")" = "$1" ]
}
for c in etcd kube-apiserver kube-controller-manager metrics-server; do
  if running "$c"; then
    die "$c already running (pid $(cat "$state/$c.pid")); run down.sh $state first"
  fi
done

# --- binaries ----------------------------------------------------------------
if [ -n "${PICO_NODE_BIN:-}" ]; then
  bin="$PICO_NODE_BIN"
else
  bin="$("$here/build.sh" | tail -n 1)"   # fast no-op once built
fi
for b in etcd kube-apiserver kube-controller-manager etcd-compact metrics-server; do
  [ -x "$bin/$b" ] || die "missing $bin/$b"
done

# --- ports -------------------------------------------------------------------
# A port is free if nothing accepts a connection on it. Candidates come from
# below the kernel's ephemeral range (32768+) so outgoing connections never
# hold them. There is a small race between choosing and binding; a component
# that fails to bind makes up.sh fail loudly rather than hang.
taken=" "
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && [[ "$taken" != *" $1 "* ]]; }
pick_port() {   # pick_port <previous port or empty>
  local p="${1:-}"
  if [ -z "$p" ] || ! port_free "$p"; then
    for _ in $(seq 200); do
      p=$(( 20000 + RANDOM % 12000 ))
      port_free "$p" && break
    done
  fi
  echo "$p"
}
# Ports of the previous run on this state dir (kept by down.sh), reused if free.
prev() { [ -f "$state/ports" ] && sed -n "s/^$1=//p" "$state/ports" | head -n 1 || true; }

etcd_port=$(pick_port "$(prev ETCD_PORT)")
taken+="$etcd_port "
etcd_peer_port=$(pick_port "$(prev ETCD_PEER_PORT)")
taken+="$etcd_peer_port "
api_port=$(pick_port "$(prev API_PORT)")
taken+="$api_port "
kcm_port=$(pick_port "$(prev KCM_PORT)")
taken+="$kcm_port "
ms_port=$(pick_port "$(prev METRICS_SERVER_PORT)")
printf 'API_PORT=%s\nETCD_PORT=%s\nETCD_PEER_PORT=%s\nKCM_PORT=%s\nMETRICS_SERVER_PORT=%s\n' \
  "$api_port" "$etcd_port" "$etcd_peer_port" "$kcm_port" "$ms_port" > "$state/ports"
rm -f "$state/env"   # only a fully started plane has an env file

api_url="https://127.0.0.1:$api_port"
etcd_url="http://127.0.0.1:$etcd_port"

# --- PKI -----------------------------------------------------------------------
# (certs.sh keeps existing keys; it only points the kubeconfigs at this port.)
# shellcheck disable=SC2086
APISERVER_URL="$api_url" "$here/certs.sh" "$pki" ${NODES:-}

# --- start helpers -------------------------------------------------------------
# Each component runs in its own session (setsid) with no ties to the caller's
# terminal or pipes, so it survives up.sh exiting and down.sh can stop it by pid.
start() {   # start <name> <args...>
  local name="$1"; shift
  setsid "$bin/$name" "$@" </dev/null >"$state/$name.log" 2>&1 &
  echo $! > "$state/$name.pid"
  log "started $name (pid $!), log $state/$name.log"
}

# wait_for <name> <what> <check command...>: run the check until it succeeds,
# saying every 10 s what it waits for. Fail fast (with the log tail of <name>,
# and cleaning up) if that process died or time ran out.
wait_for() {
  local name="$1" what="$2"; shift 2
  local t0; t0=$(date +%s)
  local deadline=$(( t0 + ${READY_TIMEOUT:-120} )) next=$(( t0 + 10 ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$next" ]; then
      log "waiting for $what ($(( $(date +%s) - t0 ))s)"
      next=$(( next + 10 ))
    fi
    local why=""
    running "$name" || why="exited"
    [ "$(date +%s)" -lt "$deadline" ] || why="not ready after ${READY_TIMEOUT:-120}s"
    if [ -n "$why" ]; then
      log "$what: $name $why; last log lines:"
      tail -n 25 "$state/$name.log" >&2
      "$here/down.sh" "$state" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "$what ($(( $(date +%s) - t0 ))s)"
}
# An HTTP check that passes only when the body is exactly "ok" (/readyz, /healthz).
body_ok() { [ "$(curl -sS --max-time 3 "$@")" = "ok" ]; }
etcd_ok() { curl -fsS --max-time 3 "$etcd_url/health" | grep -q '"health":"true"'; }

# --- etcd ----------------------------------------------------------------------
# Plain HTTP on loopback only: it is a throwaway test store, and the compaction
# helper and tests can then talk to it without certificates.
start etcd \
  --name pico-node-etcd \
  --data-dir "$state/etcd" \
  --listen-client-urls "$etcd_url" \
  --advertise-client-urls "$etcd_url" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-cluster "pico-node-etcd=http://127.0.0.1:$etcd_peer_port" \
  --log-level warn
wait_for etcd "etcd ready" etcd_ok

# --- kube-apiserver ------------------------------------------------------------
# Kubelet addresses are tried in k3s's order: the default puts Hostname first,
# and a Pico's Hostname (its node name) resolves nowhere, so `nodes/<n>/proxy`
# would fail on a DNS lookup. The node proxy refuses any address that is not
# global unicast (loopback, link-local, unspecified, multicast: see
# isProxyableHostname in pkg/registry/core/node/strategy.go), so a node on this
# machine must report a host address, not 127.0.0.1, for that to work.
# (The *_EXTRA_ARGS below are deliberately unquoted: they hold several flags.)
# shellcheck disable=SC2086
kubelet_ca=(--kubelet-certificate-authority "$pki/ca.crt")
[ "${KUBELET_VERIFY:-true}" = "false" ] && kubelet_ca=()
start kube-apiserver \
  --etcd-servers "$etcd_url" \
  --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 \
  --secure-port "$api_port" \
  --tls-cert-file "$pki/apiserver.crt" \
  --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" \
  --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP,ExternalIP,Hostname \
  --requestheader-client-ca-file "$pki/front-proxy-ca.crt" \
  --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User \
  --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$pki/front-proxy-client.crt" \
  --proxy-client-key-file "$pki/front-proxy-client.key" \
  "${kubelet_ca[@]}" \
  --etcd-compaction-interval "${ETCD_COMPACTION_INTERVAL:-5m}" \
  --watch-cache="${WATCH_CACHE:-true}" \
  --cert-dir "$state/apiserver-certs" \
  --v 2 \
  ${APISERVER_EXTRA_ARGS:-}
wait_for kube-apiserver "kube-apiserver ready" body_ok --cacert "$pki/ca.crt" \
  --cert "$pki/admin.crt" --key "$pki/admin.key" "$api_url/readyz"

# --- kube-controller-manager ---------------------------------------------------
# All default controllers (node lifecycle included), each with its own
# service-account credentials; CSRs are signed with the cluster CA.
# shellcheck disable=SC2086
start kube-controller-manager \
  --kubeconfig "$pki/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$pki/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$pki/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 \
  --secure-port "$kcm_port" \
  --cert-dir "$state/kcm-certs" \
  --controllers '*' \
  --leader-elect=true \
  --use-service-account-credentials=true \
  --service-account-private-key-file "$pki/sa.key" \
  --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" \
  --cluster-signing-key-file "$pki/ca.key" \
  --node-monitor-grace-period "${NODE_MONITOR_GRACE_PERIOD:-50s}" \
  --node-startup-grace-period "${NODE_STARTUP_GRACE_PERIOD:-1m}" \
  --v 2 \
  ${KCM_EXTRA_ARGS:-}
# Its serving cert is self-signed, hence -k; /healthz needs no credentials.
wait_for kube-controller-manager "kube-controller-manager ready" body_ok -k "https://127.0.0.1:$kcm_port/healthz"

# --- metrics-server --------------------------------------------------------------
# As upstream deploys it, minus the Deployment: RBAC for its identity, a
# Service and the APIService the aggregator serves metrics.k8s.io through.
# Objects are applied server-side with curl (idempotent across restarts; no
# kubectl needed). Upstream grants these to a ServiceAccount; metrics-server
# runs outside the cluster here, so they go to its client cert's user.
admin_curl=(curl -sS --max-time 10 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
apply() {   # apply <object URL path> <object as JSON>
  local out
  out="$("${admin_curl[@]}" -w '\n%{http_code}' -X PATCH \
    -H 'Content-Type: application/apply-patch+yaml' --data-binary "$2" \
    "$api_url$1?fieldManager=pico-node-up&force=true")"
  case "${out##*$'\n'}" in
    200|201) ;;
    *) log "applying $1 failed: $out"; "$here/down.sh" "$state" >&2 || true; exit 1;;
  esac
}
ms_user=system:metrics-server
rbac=/apis/rbac.authorization.k8s.io/v1
apply "$rbac/clusterroles/system:metrics-server" '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
  "metadata":{"name":"system:metrics-server"},
  "rules":[{"apiGroups":[""],"resources":["nodes/metrics"],"verbs":["get"]},
           {"apiGroups":[""],"resources":["pods","nodes"],"verbs":["get","list","watch"]}]}'
# Lets view/edit/admin users (not only system:masters) run `kubectl top`.
apply "$rbac/clusterroles/system:aggregated-metrics-reader" '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
  "metadata":{"name":"system:aggregated-metrics-reader","labels":{
    "rbac.authorization.k8s.io/aggregate-to-view":"true","rbac.authorization.k8s.io/aggregate-to-edit":"true",
    "rbac.authorization.k8s.io/aggregate-to-admin":"true"}},
  "rules":[{"apiGroups":["metrics.k8s.io"],"resources":["pods","nodes"],"verbs":["get","list","watch"]}]}'
bind() {   # bind <binding URL path> <kind> <name> <namespace or ""> <role kind> <role>
  local ns=""
  [ -z "$4" ] || ns=",\"namespace\":\"$4\""
  apply "$1" "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"$2\",
    \"metadata\":{\"name\":\"$3\"$ns},
    \"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"$5\",\"name\":\"$6\"},
    \"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"$ms_user\"}]}"
}
bind "$rbac/clusterrolebindings/system:metrics-server" ClusterRoleBinding system:metrics-server "" \
  ClusterRole system:metrics-server
# TokenReview and SubjectAccessReview for the requests it serves (delegated authn/authz)
bind "$rbac/clusterrolebindings/metrics-server:system:auth-delegator" ClusterRoleBinding \
  metrics-server:system:auth-delegator "" ClusterRole system:auth-delegator
# The front-proxy CA and header names, from kube-system/extension-apiserver-authentication
bind "$rbac/namespaces/kube-system/rolebindings/metrics-server-auth-reader" RoleBinding \
  metrics-server-auth-reader kube-system Role extension-apiserver-authentication-reader

# How the aggregator reaches a server outside the cluster. Without
# --enable-aggregator-routing it dials the Service's ClusterIP, which only
# kube-proxy (absent here) would forward. With it, it dials an address from the
# Service's EndpointSlices, but Endpoints/EndpointSlices refuse loopback and
# link-local IPs (ValidateEndpointIP), and a host address is not available on
# every machine (a container may have only lo). An ExternalName Service works
# everywhere: the aggregator then dials <externalName>:<APIService port>, here
# localhost, and still verifies the serving cert against caBundle for the name
# metrics-server.kube-system.svc.
apply /api/v1/namespaces/kube-system/services/metrics-server '{"apiVersion":"v1","kind":"Service",
  "metadata":{"name":"metrics-server","namespace":"kube-system"},
  "spec":{"type":"ExternalName","externalName":"localhost",
          "ports":[{"name":"https","port":'"$ms_port"',"protocol":"TCP"}]}}'
apply /apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io '{"apiVersion":"apiregistration.k8s.io/v1",
  "kind":"APIService","metadata":{"name":"v1beta1.metrics.k8s.io"},
  "spec":{"group":"metrics.k8s.io","version":"v1beta1","groupPriorityMinimum":100,"versionPriority":100,
          "service":{"name":"metrics-server","namespace":"kube-system","port":'"$ms_port"'},
          "caBundle":"'"$(base64 -w0 < "$pki/ca.crt")"'"}}'

# Flags as k3s gives them; kubelet serving certs are verified against the
# cluster CA (the controller-manager signs kubelet-serving CSRs with it), and
# the kubeconfig's client cert is also what it presents to kubelets.
start metrics-server \
  --kubeconfig "$pki/metrics-server.kubeconfig" \
  --authentication-kubeconfig "$pki/metrics-server.kubeconfig" \
  --authorization-kubeconfig "$pki/metrics-server.kubeconfig" \
  --bind-address 127.0.0.1 \
  --secure-port "$ms_port" \
  --tls-cert-file "$pki/metrics-server-serving.crt" \
  --tls-private-key-file "$pki/metrics-server-serving.key" \
  --kubelet-certificate-authority "$pki/ca.crt" \
  --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname \
  --kubelet-use-node-status-port \
  --metric-resolution=15s \
  --v 2
# /livez needs no credentials; its serving cert names 127.0.0.1.
wait_for metrics-server "metrics-server live" body_ok --cacert "$pki/ca.crt" "https://127.0.0.1:$ms_port/livez"
# Served through the aggregator only once the APIService is Available=True.
wait_for metrics-server "APIService v1beta1.metrics.k8s.io Available" \
  "${admin_curl[@]}" -f -o /dev/null "$api_url/apis/metrics.k8s.io/v1beta1"

# --- env file ------------------------------------------------------------------
# Written last and atomically, so its presence means the plane came up.
cat > "$state/env.tmp" <<EOF
KUBECONFIG=$pki/admin.kubeconfig
K8S_API_URL=$api_url
K8S_CA_FILE=$pki/ca.crt
K8S_PKI_DIR=$pki
K8S_BIN_DIR=$bin
ETCD_ENDPOINT=$etcd_url
ETCD_COMPACT=$bin/etcd-compact
API_PORT=$api_port
ETCD_PORT=$etcd_port
ETCD_PEER_PORT=$etcd_peer_port
KCM_PORT=$kcm_port
METRICS_SERVER_PORT=$ms_port
NODE_MONITOR_GRACE_PERIOD=${NODE_MONITOR_GRACE_PERIOD:-50s}
NODE_STARTUP_GRACE_PERIOD=${NODE_STARTUP_GRACE_PERIOD:-1m}
EOF
mv -f "$state/env.tmp" "$state/env"
log "control plane up at $api_url (env: $state/env)"
echo "$state/env"
