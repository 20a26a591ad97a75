#!/usr/bin/env bash
# Start a local control plane in the background:  up.sh <state-dir>
#
#   etcd -> kube-apiserver -> kube-controller-manager, all on 127.0.0.1 ports
#   picked at run time. Logs (*.log), pids (*.pid), etcd data and the PKI
#   (pki/, made by certs.sh) live in <state-dir>. When /readyz is ok, writes
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
for c in etcd kube-apiserver kube-controller-manager; do
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
for b in etcd kube-apiserver kube-controller-manager etcd-compact; do
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
printf 'API_PORT=%s\nETCD_PORT=%s\nETCD_PEER_PORT=%s\nKCM_PORT=%s\n' \
  "$api_port" "$etcd_port" "$etcd_peer_port" "$kcm_port" > "$state/ports"
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

# wait_for <name> <check command...>: run the check until it succeeds. Fail
# fast (with the log tail, and cleaning up) if the process died or time ran out.
wait_for() {
  local name="$1"; shift
  local deadline=$(( $(date +%s) + ${READY_TIMEOUT:-120} ))
  until "$@" >/dev/null 2>&1; do
    local why=""
    running "$name" || why="exited"
    [ "$(date +%s)" -lt "$deadline" ] || why="not ready after ${READY_TIMEOUT:-120}s"
    if [ -n "$why" ]; then
      log "$name $why; last log lines:"
      tail -n 25 "$state/$name.log" >&2
      "$here/down.sh" "$state" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "$name ready"
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
wait_for etcd etcd_ok

# --- kube-apiserver ------------------------------------------------------------
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
wait_for kube-apiserver body_ok --cacert "$pki/ca.crt" \
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
wait_for kube-controller-manager body_ok -k "https://127.0.0.1:$kcm_port/healthz"

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
NODE_MONITOR_GRACE_PERIOD=${NODE_MONITOR_GRACE_PERIOD:-50s}
NODE_STARTUP_GRACE_PERIOD=${NODE_STARTUP_GRACE_PERIOD:-1m}
EOF
mv -f "$state/env.tmp" "$state/env"
log "control plane up at $api_url (env: $state/env)"
echo "$state/env"
