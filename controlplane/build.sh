#!/usr/bin/env bash
# Build the local control plane (kube-apiserver, kube-controller-manager, etcd,
# etcd-compact) from Go modules, once, into a cache outside the repository:
#
#   ${PICO_NODE_CACHE:-$HOME/.cache/pico-node}/k8s-<version>/bin/
#
# A stamp file records a hash of everything that determines the binaries
# (go.mod, go.sum, our sources, this script, the Go version); if it matches and
# all binaries exist, nothing is rebuilt. The last line printed is the bin dir.
#
# Needs only Go (>= 1.24) and access to the Go module proxy. A cold build takes
# many minutes on a 2-core machine, so progress lines are printed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

log() { echo "[build] $*" >&2; }

command -v go >/dev/null || { log "go not found in PATH"; exit 1; }

# The Kubernetes version is whatever go.mod pins for k8s.io/kubernetes.
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod)"
[ -n "$k8s_version" ] || { log "k8s.io/kubernetes not found in go.mod"; exit 1; }

cache_root="${PICO_NODE_CACHE:-$HOME/.cache/pico-node}"
out="$cache_root/k8s-$k8s_version"
bin="$out/bin"
stamp="$out/stamp"

binaries=(kube-apiserver kube-controller-manager etcd etcd-compact)
declare -A pkg=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [etcd]=./cmd/etcd
  [etcd-compact]=./cmd/etcd-compact
)

want_stamp="$(
  {
    go version
    cat go.mod go.sum build.sh
    find cmd -type f -name '*.go' | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
)"

# Serialise concurrent callers (e.g. two test runs calling up.sh at once):
# the second waits, then finds the stamp written by the first.
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

have_all=1
for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || have_all=0; done
if [ "$have_all" = 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  log "up to date: Kubernetes $k8s_version (stamp matches)"
  echo "$bin"
  exit 0
fi

mkdir -p "$bin"
rm -f "$stamp"   # only written back once every binary has been built

# Static, reproducible-ish server binaries, like the upstream release builds:
# no cgo, no local paths, no symbol tables. The -X flags make /version and
# `kubectl version` report the real release instead of v0.0.0-master.
export CGO_ENABLED=0
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
done

# go.sum is committed, so the default -mod=readonly works on a fresh machine
# and fails loudly instead of silently editing go.mod. Parallelism is left at
# Go's default (-p = number of CPUs) so a small machine is not oversubscribed.
ticker_pid=""
stop_ticker() { [ -n "$ticker_pid" ] && kill "$ticker_pid" 2>/dev/null; ticker_pid=""; }
trap stop_ticker EXIT

log "Kubernetes $k8s_version -> $bin ($(go version | cut -d' ' -f3), $(nproc) CPUs)"
t_all=$(date +%s)
for b in "${binaries[@]}"; do
  t0=$(date +%s)
  log "building $b (${pkg[$b]}) ..."
  # Keep printing while the compiler works; a cold kube-apiserver takes long.
  # sleep inherits neither the caller's stdout/stderr nor the lock (fd 9), so
  # a sleep left over after the loop is killed holds no pipe and no lock open.
  ( exec 9>&-
    while sleep 60 </dev/null >/dev/null 2>&1; do
      log "  $b: still building, $(( $(date +%s) - t0 ))s"
    done ) &
  ticker_pid=$!
  go build -trimpath -ldflags "$ldflags" -o "$bin/$b.tmp" "${pkg[$b]}" 9>&-
  stop_ticker
  mv -f "$bin/$b.tmp" "$bin/$b"
  log "built $b in $(( $(date +%s) - t0 ))s"
done
echo "$want_stamp" > "$stamp"
log "all built in $(( $(date +%s) - t_all ))s"
echo "$bin"
