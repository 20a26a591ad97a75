#!/usr/bin/env bash
# Checks, in about a second and before anything is built, that this machine has
# what `npm start` (start) or `npm test` (test) needs. With --install, run as
# root on Debian, installs what apt has; otherwise it stops at once naming the
# exact command. .ci/run and the npm pre-hooks both call it, so CI and a new
# user's first run check the same list.
#
#   tools/prerequisites.sh [--install] start|test
set -euo pipefail

install=0
[ "${1:-}" = "--install" ] && { install=1; shift; }
goal=${1:?usage: prerequisites.sh [--install] start|test}

# Free space the first control-plane build needs (Go's module and build caches: ~3.4 GB measured
# for Kubernetes; metrics-server adds about 1 GB, less where it shares modules with Kubernetes).
BUILD_SPACE_MB=5120

missing_apt=()   # Debian packages for what is missing
problems=()      # what apt cannot fix, each with its remedy
found=()

have() { command -v "$1" >/dev/null 2>&1; }
# version_at_least 1.22.1 1.21 → true
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

have_fuzzer_runtime() {
  local rt
  rt=$(clang -print-libgcc-file-name --rtlib=compiler-rt 2>/dev/null | sed 's/builtins/fuzzer/')
  [ -n "$rt" ] && [ -e "$rt" ]
}
# The runtime package of the clang that is installed (Debian bookworm's clang, if none is yet).
fuzzer_runtime_package() {
  echo "libclang-rt-$( (clang -dumpversion 2>/dev/null || echo 14) | cut -d. -f1)-dev"
}

need_tool() { # need_tool TOOL DEBIAN_PACKAGE
  if have "$1"; then found+=("$1"); else missing_apt+=("$2"); fi
}

# Node.js ≥ 20 (this script runs before npm, but `node` may be an old one).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -ge 20 ]; then found+=("node $(node --version)"); else problems+=("Node.js ≥ 20 (found: ${node_major:-none}): https://nodejs.org or Debian's nodejs from bookworm-backports"); fi

# Go ≥ 1.24 builds the control plane from Go modules; Debian bookworm's is too old.
if have go; then
  gov=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  if version_at_least "$gov" 1.24; then found+=("go $gov"); else problems+=("Go ≥ 1.24 (found $gov): https://go.dev/dl"); fi
else
  problems+=("Go ≥ 1.24: https://go.dev/dl (the control plane is built from Go modules)")
fi

# nginx ≥ 1.21: variables in proxy_ssl_certificate (the proxy's per-device identity).
if have nginx; then
  ngv=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
  if version_at_least "$ngv" 1.21; then found+=("nginx $ngv"); else problems+=("nginx ≥ 1.21 (found $ngv)"); fi
else
  missing_apt+=(nginx)
fi

need_tool kubectl kubernetes-client
need_tool openssl openssl
need_tool curl curl
need_tool setsid util-linux
need_tool flock util-linux

if [ "$goal" = test ]; then
  # The C tests, the POSIX shell (AOT: wasm2c) and the cross-compiled core.
  need_tool gcc gcc
  need_tool cmake cmake
  need_tool ninja ninja-build
  # wabt 1.0.32: wasm2c turns core.wasm into C for the AOT engine, wat2wasm builds the engine tests' modules.
  need_tool wasm2c wabt
  need_tool wat2wasm wabt
  # The AOT core compiled for the RP2040's Cortex-M0+ (no pico-sdk needed), with newlib's headers.
  need_tool arm-none-eabi-gcc gcc-arm-none-eabi
  if [ -e /usr/lib/arm-none-eabi/include/stdio.h ]; then found+=("newlib"); else missing_apt+=(libnewlib-arm-none-eabi); fi
  # mbedTLS 2.28: the POSIX shell's kubelet-port TLS and its tests.
  if [ -e /usr/include/mbedtls/ssl.h ]; then found+=("mbedtls"); else missing_apt+=(libmbedtls-dev); fi
  # libFuzzer over the AOT build (tests/native/fuzz): clang and its sanitizer and libFuzzer runtimes.
  need_tool clang clang
  if have_fuzzer_runtime; then found+=("libFuzzer"); else missing_apt+=("$(fuzzer_runtime_package)"); fi
fi

# Disk: only the first control-plane build needs much.
cache_root="${PICO_NODE_CACHE:-$HOME/.cache/pico-node}"
if ! ls "$cache_root"/k8s-*/bin/kube-apiserver >/dev/null 2>&1; then
  mkdir -p "$cache_root"
  free_mb=$(df -Pm "$cache_root" | awk 'NR==2 {print $4}')
  if [ "$free_mb" -lt "$BUILD_SPACE_MB" ]; then
    problems+=("disk: ${free_mb} MB free under $cache_root; the first control-plane build needs about ${BUILD_SPACE_MB} MB (or set PICO_NODE_CACHE to a roomier place)")
  fi
fi

if [ ${#missing_apt[@]} -gt 0 ]; then
  # shellcheck disable=SC2207
  pkgs=($(printf '%s\n' "${missing_apt[@]}" | sort -u))
  if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && have apt-get; then
    echo "prerequisites: installing ${pkgs[*]} from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
    # clang installed just now may be another version than the runtime guessed before it was there.
    if [ "$goal" = test ] && ! have_fuzzer_runtime; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(fuzzer_runtime_package)" >/dev/null
    fi
  else
    problems+=("missing: ${pkgs[*]} — apt-get install ${pkgs[*]}")
  fi
fi

if [ ${#problems[@]} -gt 0 ]; then
  echo "prerequisites for npm $goal are not met:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "prerequisites for npm $goal: ok (${found[*]}${missing_apt[*]:+, installed ${missing_apt[*]}})"
