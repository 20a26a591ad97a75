#!/usr/bin/env bash
# Build the local control plane from Go modules, once, into a cache outside the
# repository:
#
#   ${PICO_NODE_CACHE:-$HOME/.cache/pico-node}/k8s-<version>/bin/
#
# Two components, each its own Go module so neither can move the other's
# dependencies:
#   kubernetes      kube-apiserver, kube-controller-manager, etcd, etcd-compact
#                   (go.mod here, pinned to one Kubernetes release)
#   metrics-server  metrics-server (metrics-server/go.mod, its own k8s.io libs)
#
# Each component has a stamp (<out>/stamps/<component>): a hash of what
# determines its binaries (its go.mod, go.sum, our sources, the build flags,
# the Go version). A component whose stamp matches and whose binaries all exist
# is skipped, so a warm cache is a no-op and a new component builds alone.
# The last line printed is the bin dir.
#
# Needs only Go (>= 1.24) and access to the Go module proxy. A cold build takes
# many minutes on a 2-core machine, so progress lines are printed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

log() { echo "[build] $*" >&2; }

command -v go >/dev/null || { log "go not found in PATH"; exit 1; }

# required <go.mod> <module path>: the version that go.mod pins for a module.
required() { awk -v m="$2" '$1 == m { print $2; exit }' "$1"; }

k8s_version="$(required go.mod k8s.io/kubernetes)"
[ -n "$k8s_version" ] || { log "k8s.io/kubernetes not found in go.mod"; exit 1; }
ms_version="$(required metrics-server/go.mod sigs.k8s.io/metrics-server)"
[ -n "$ms_version" ] || { log "sigs.k8s.io/metrics-server not found in metrics-server/go.mod"; exit 1; }

cache_root="${PICO_NODE_CACHE:-$HOME/.cache/pico-node}"
mkdir -p "$cache_root/k8s-$k8s_version"
out="$(cd "$cache_root/k8s-$k8s_version" && pwd)"   # absolute: builds run in module dirs
bin="$out/bin"

# What each component builds, from which module directory, and which package.
declare -A module_dir=([kubernetes]=. [metrics-server]=metrics-server)
declare -A binaries=(
  [kubernetes]="kube-apiserver kube-controller-manager etcd etcd-compact"
  [metrics-server]="metrics-server"
)
declare -A pkg=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [etcd]=./cmd/etcd
  [etcd-compact]=./cmd/etcd-compact
  [metrics-server]=sigs.k8s.io/metrics-server/cmd/metrics-server
)

# Static, reproducible-ish server binaries, like the upstream release builds:
# no cgo, no local paths, no symbol tables. The -X flags make /version and
# `kubectl version` report the real release instead of v0.0.0-master
# (metrics-server reports its own through client-go's, as its Makefile does).
export CGO_ENABLED=0
build_flags="-trimpath CGO_ENABLED=$CGO_ENABLED"
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
declare -A version=([kubernetes]="$k8s_version" [metrics-server]="$ms_version")
declare -A version_pkgs=(
  [kubernetes]="k8s.io/component-base/version k8s.io/client-go/pkg/version"
  [metrics-server]="k8s.io/client-go/pkg/version"
)
ldflags() {   # ldflags <component> [build date]
  local p f="-s -w"
  for p in ${version_pkgs[$1]}; do
    f+=" -X $p.gitVersion=${version[$1]} -X $p.gitTreeState=clean"
    [ "$1" != kubernetes ] || f+=" -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    [ -z "${2:-}" ] || f+=" -X $p.buildDate=$2"
  done
  echo "$f"
}
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# The build date is left out of the stamp so that it alone never rebuilds.
want_stamp() {   # want_stamp <component>
  local dir="${module_dir[$1]}"
  {
    go version
    echo "$build_flags -ldflags $(ldflags "$1")"
    echo "${binaries[$1]}"
    cat "$dir/go.mod" "$dir/go.sum"
    [ ! -d "$dir/cmd" ] || find "$dir/cmd" -type f -name '*.go' | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
}

# Serialise concurrent callers (e.g. two test runs calling up.sh at once):
# the second waits, then finds the stamps written by the first.
mkdir -p "$out/stamps" "$bin"
exec 9>"$out/.lock"
flock 9

up_to_date() {   # up_to_date <component>
  local b
  for b in ${binaries[$1]}; do [ -x "$bin/$b" ] || return 1; done
  [ -f "$out/stamps/$1" ] && [ "$(cat "$out/stamps/$1")" = "$(want_stamp "$1")" ]
}

ticker_pid=""
stop_ticker() { [ -n "$ticker_pid" ] && kill "$ticker_pid" 2>/dev/null; ticker_pid=""; }
trap stop_ticker EXIT

# go.sum is committed, so the default -mod=readonly works on a fresh machine
# and fails loudly instead of silently editing go.mod. Parallelism is left at
# Go's default (-p = number of CPUs) so a small machine is not oversubscribed.
build_component() {   # build_component <component>
  local c="$1" b t0 stamp
  stamp="$(want_stamp "$c")"
  rm -f "$out/stamps/$c"   # only written back once all its binaries are built
  for b in ${binaries[$c]}; do
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
    ( cd "${module_dir[$c]}" &&
      go build -trimpath -ldflags "$(ldflags "$c" "$build_date")" \
        -o "$bin/$b.tmp" "${pkg[$b]}" ) 9>&-
    stop_ticker
    mv -f "$bin/$b.tmp" "$bin/$b"
    log "built $b in $(( $(date +%s) - t0 ))s"
  done
  echo "$stamp" > "$out/stamps/$c"
}

t_all=$(date +%s)
built=0
for c in kubernetes metrics-server; do
  if up_to_date "$c"; then
    log "up to date: $c (stamp matches)"
    continue
  fi
  log "$c ${version[$c]} -> $bin ($(go version | cut -d' ' -f3), $(nproc) CPUs)"
  build_component "$c"
  built=1
done
[ "$built" = 0 ] || log "built in $(( $(date +%s) - t_all ))s"
echo "$bin"
