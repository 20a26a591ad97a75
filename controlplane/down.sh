#!/usr/bin/env bash
# Stop what up.sh started:  down.sh <state-dir>
#
# Stops metrics-server, kube-controller-manager, kube-apiserver and etcd
# (reverse start order, so nothing logs errors about a store that vanished) by
# the pids in <state-dir>, waits for them to exit and for their ports to close, and removes
# <state-dir>/env. Logs, etcd data, PKI and the port choice stay, so up.sh can
# restart the same cluster; delete <state-dir> for a clean slate.
# Exits non-zero if anything is left running or listening.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <state-dir>" >&2; exit 2; }
state="$1"
[ -d "$state" ] || { echo "[down] no such state dir: $state" >&2; exit 0; }

log() { echo "[down] $*" >&2; }

rm -f "$state/env"

# True if <pid> is alive and is really <name> (a stale pid file must never make
# us signal an unrelated process that reused the pid).
is_ours() {
  local pid="$1" name="$2" exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  exe="${exe% (deleted)}"   # binary rebuilt while running
  [ "$(basename "$exe")" = "$name" ]
}

stop() {
  local name="$1" pidfile="$state/$1.pid" pid
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if is_ours "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    # Graceful first (etcd flushes, leases are released), then force.
    for _ in $(seq 100); do is_ours "$pid" "$name" || break; sleep 0.1; done
    if is_ours "$pid" "$name"; then
      log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 50); do is_ours "$pid" "$name" || break; sleep 0.1; done
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

stop metrics-server
stop kube-controller-manager
stop kube-apiserver
stop etcd

# Verify: no process left and no port still accepting connections.
rc=0
for name in metrics-server kube-controller-manager kube-apiserver etcd; do
  if [ -s "$state/$name.pid" ] && is_ours "$(cat "$state/$name.pid")" "$name"; then
    log "ERROR: $name still running"; rc=1
  fi
done
if [ -f "$state/ports" ]; then
  while IFS='=' read -r key port; do
    [ -n "$port" ] || continue
    for _ in $(seq 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || continue 2
      sleep 0.1
    done
    log "ERROR: $key $port still accepting connections"; rc=1
  done < "$state/ports"
fi
[ "$rc" = 0 ] && log "all stopped"
exit "$rc"
