#!/usr/bin/env bash
# Make the PKI for the local control plane with openssl:
#
#   certs.sh <dir> [node-name...]
#
#   ca.{crt,key}                  cluster CA: client CA of the API server, and the
#                                 controller-manager's CSR signing CA
#   apiserver.{crt,key}           API serving cert for 127.0.0.1 / localhost
#   sa.{key,pub}                  service-account token signing key pair
#   admin.{crt,key}               client cert, O=system:masters
#   controller-manager.{crt,key}  client cert, CN=system:kube-controller-manager
#   apiserver-kubelet-client.*    API server's client cert towards kubelets
#   node-<name>.{crt,key}         client cert, CN=system:node:<name>, O=system:nodes
#   kubelet-serving-<name>.*      kubelet serving cert for 127.0.0.1 / <name>
#   front-proxy-ca.*, front-proxy-client.*
#                                 request-header (aggregation layer) CA and the
#                                 API server's proxy client cert
#   metrics-server.{crt,key}      metrics-server's client cert, CN=system:metrics-server
#                                 (towards the API server and the kubelets)
#   metrics-server-serving.*      its serving cert, for metrics-server.kube-system.svc
#   admin.kubeconfig, controller-manager.kubeconfig, metrics-server.kubeconfig,
#   node-<name>.kubeconfig
#
# Idempotent: existing keys and certs are kept as long as they still verify
# against the CA; kubeconfigs are always rewritten so that APISERVER_URL (the
# server address, known only once up.sh has picked a port) can change.
#
# Keys are EC P-256 like k3s uses, which also keeps TLS cheap for a Pico W.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 <dir> [node-name...]" >&2; exit 2; }
dir="$1"; shift
# Server address for the kubeconfigs: APISERVER_URL, else whatever the existing
# admin.kubeconfig says (so adding a node later keeps up.sh's port), else 6443.
server="${APISERVER_URL:-}"
if [ -z "$server" ] && [ -s "$dir/admin.kubeconfig" ]; then
  server="$(awk '$1 == "server:" { print $2; exit }' "$dir/admin.kubeconfig")"
fi
server="${server:-https://127.0.0.1:6443}"
days=3650

umask 077                      # private keys must not be world readable
mkdir -p "$dir"
cd "$dir"

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# mkca <name> <CN>: a self-signed CA, made once.
mkca() {
  [ -s "$1.crt" ] && [ -s "$1.key" ] && return 0
  newkey "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days "$days" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$1.crt"
  echo "certs: created CA $1" >&2
}

# Leaf certs are signed by the CA named in $signer.
signer=ca

# A cert is reused only if it exists and still chains to its CA (e.g. after
# the CA was deleted and regenerated, all its leaves are remade).
valid() { [ -s "$1.crt" ] && [ -s "$1.key" ] && openssl verify -CAfile "$signer.crt" "$1.crt" >/dev/null 2>&1; }

# sign <name> <subject> <extendedKeyUsage> [subjectAltName]
sign() {
  local name="$1" subj="$2" eku="$3" san="${4:-}"
  valid "$name" && return 0
  local ext; ext="$(mktemp)"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    if [ -n "$san" ]; then echo "subjectAltName=$san"; fi
  } > "$ext"
  newkey "$name.key"
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA "$signer.crt" -CAkey "$signer.key" -CAcreateserial \
    -sha256 -days "$days" -extfile "$ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$ext"
  echo "certs: created $name ($subj)" >&2
}

# --- CAs -------------------------------------------------------------------
mkca ca pico-node-local-ca
# A separate CA for the aggregation layer, so that a cert from the cluster CA
# can never pass as a trusted front proxy.
mkca front-proxy-ca pico-node-local-front-proxy-ca

# --- server and client certs -----------------------------------------------
# The SANs also cover the in-cluster names and the first service IP
# (service range 10.0.0.0/24 in up.sh) so a pod-style client would verify too.
sign apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:::1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=kubernetes-admin" clientAuth
sign controller-manager "/CN=system:kube-controller-manager" clientAuth
# The API server's client cert towards kubelets (kubectl logs/exec).
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
# metrics-server runs outside the cluster, so it has a client cert where
# upstream's Deployment has a ServiceAccount token; up.sh grants this user the
# RBAC upstream grants that ServiceAccount. It presents the same cert to kubelets.
sign metrics-server "/CN=system:metrics-server" clientAuth
# The aggregator verifies metrics-server against the APIService's caBundle
# (ca.crt) for the name <service>.<namespace>.svc, whatever address it dials.
sign metrics-server-serving "/CN=metrics-server" serverAuth \
  "DNS:metrics-server.kube-system.svc,DNS:localhost,IP:127.0.0.1"
for node in "$@"; do
  sign "node-$node" "/O=system:nodes/CN=system:node:$node" clientAuth
  # Kubelet serving cert for a node simulated on this machine; the API server
  # verifies kubelet certs against ca.crt (as k3s does with its server CA).
  sign "kubelet-serving-$node" "/O=system:nodes/CN=system:node:$node" serverAuth \
    "IP:127.0.0.1,DNS:localhost,DNS:$node"
done

signer=front-proxy-ca
sign front-proxy-client "/CN=front-proxy-client" clientAuth
signer=ca

# --- service-account key pair -----------------------------------------------
if [ ! -s sa.key ] || [ ! -s sa.pub ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
  openssl pkey -in sa.key -pubout -out sa.pub
  echo "certs: created service-account key pair" >&2
fi

# --- kubeconfigs (certs embedded, so each file stands alone) ---------------
b64() { base64 -w0 < "$1"; }
kubeconfig() {
  local name="$1" user="$2"
  # Written via a temp file: a reader never sees a half-written kubeconfig.
  cat > "$name.kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $server
    certificate-authority-data: $(b64 ca.crt)
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$name.crt")
    client-key-data: $(b64 "$name.key")
contexts:
- name: $user@local
  context:
    cluster: local
    user: $user
current-context: $user@local
EOF
  mv -f "$name.kubeconfig.tmp" "$name.kubeconfig"
}
kubeconfig admin admin
kubeconfig controller-manager system:kube-controller-manager
kubeconfig metrics-server system:metrics-server
# Every node cert made so far, not only those named this time, so a new
# APISERVER_URL reaches all of them.
for crt in node-*.crt; do
  [ -e "$crt" ] || continue
  node="${crt#node-}"; node="${node%.crt}"
  kubeconfig "node-$node" "system:node:$node"
done

# Public material may be read by anyone; keys stay 0600.
chmod 644 ./*.crt sa.pub
echo "certs: ready in $(pwd)" >&2
