#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the E2E suite: etcd (Debian's etcd-server), and
# kube-apiserver + kube-controller-manager built from Debian's `kubernetes` source package, cached by
# that package's version so a kept machine builds nothing twice. No scheduler and no kubelet: Pods stay
# Pending, everything else (RBAC, admission, server-side apply, watch, Leases, namespace finalization,
# service-account tokens, ReplicaSets) is the real thing.
#
#   cluster.sh build   fetch the source and build kube-apiserver, kube-controller-manager and kubectl (skipped when cached)
#   cluster.sh up      build if needed, make the PKI, start the three processes, wait for /readyz
#   cluster.sh env     print the `export GITOPS_SECRETS_E2E_...=` lines for a running cluster (`up` prints them too,
#                      so `eval "$(tests/cluster/cluster.sh up)"` starts it and points the tests at it)
#   cluster.sh down    stop every process `up` started (by PID) and remove the state directory
#   cluster.sh status  say whether the cluster is up
#
# Environment: GITOPS_SECRETS_CLUSTER_DIR (state: PKI, data, logs, kubeconfig; default
# /tmp/gitops-secrets-cluster), XDG_CACHE_HOME (binaries under gitops-secrets/kubernetes/VERSION).
set -euo pipefail

state_dir=${GITOPS_SECRETS_CLUSTER_DIR:-/tmp/gitops-secrets-cluster}
cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/gitops-secrets/kubernetes
source_package=kubernetes
# kubectl is not needed to run the control plane; it is there for tests that act as a user would
# (kubectl edit, kubectl --as) and for a developer poking at the cluster by hand.
commands=(kube-apiserver kube-controller-manager kubectl)
debian_packages=(debian-archive-keyring golang-go etcd-server rsync golang-github-modern-go-reflect2-dev openssl make dpkg-dev ca-certificates curl iproute2)

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

# --- build -------------------------------------------------------------------------------------------

install_packages() {
  local missing=()
  for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); install them as root: apt-get install ${missing[*]}"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# apt with a private sources list and private state, so the machine's own lists are never touched.
private_apt() {
  local apt_dir=$cache_root/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  # Always bookworm's package (the version this recipe is verified with), also on other distributions.
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "$keyring is missing (apt-get install debian-archive-keyring)"
  cat >"$apt_dir/sources.list" <<LIST
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
LIST
  "$@" -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o APT::Sandbox::User=root
}

# The newest source version the registry offers; without a network, the newest build we already have.
source_version() {
  local version=""
  if private_apt apt-get update -qq >/dev/null 2>&1; then
    version=$(private_apt apt-cache showsrc "$source_package" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n1)
  fi
  if [ -z "$version" ]; then
    version=$(ls -1 "$cache_root" 2>/dev/null | grep -v '^apt$' | sort -V | tail -n1 || true)
    [ -n "$version" ] && log "package registry unreachable; using the cached build $version"
  fi
  [ -n "$version" ] || die "cannot find the $source_package source package (is a Debian registry reachable?)"
  echo "$version"
}

build() {
  install_packages
  local version bin
  version=$(source_version)
  bin=$cache_root/$version/bin
  local missing=() command
  for command in "${commands[@]}"; do [ -x "$bin/$command" ] || missing+=("$command"); done
  if [ ${#missing[@]} -eq 0 ]; then
    log "using cached binaries ($version) in $bin"
    echo "$bin"
    return 0
  fi

  local work=$cache_root/$version/work
  rm -rf "$work" && mkdir -p "$work/download"
  log "fetching $source_package $version source"
  (cd "$work/download" && private_apt apt-get source --download-only -qq "$source_package=$version" >/dev/null)
  local tree=$work/gopath/src/k8s.io/kubernetes
  mkdir -p "$tree"
  tar -xzf "$work"/download/*.orig.tar.gz -C "$tree" --strip-components=1

  # Vendored reflect2 1.0.1 crashes on Go >= 1.18; Debian's 1.0.2 is the fixed one.
  local reflect2=$tree/vendor/github.com/modern-go/reflect2
  rm -f "$reflect2"/*.go "$reflect2"/*.s
  cp /usr/share/gocode/src/github.com/modern-go/reflect2/*.go /usr/share/gocode/src/github.com/modern-go/reflect2/*.s "$reflect2"/
  rm -f "$reflect2"/*_test.go

  local upstream=${version#*really}; upstream=v${upstream%%-*}
  local major=${upstream#v}; major=${major%%.*}
  local minor=${upstream#v*.}; minor=${minor%%.*}
  local pkg=k8s.io/kubernetes/vendor/k8s.io
  local ldflags="-s -w"
  for p in component-base/version client-go/pkg/version; do
    ldflags+=" -X $pkg/$p.gitVersion=$upstream -X $pkg/$p.gitMajor=$major -X $pkg/$p.gitMinor=$minor"
    ldflags+=" -X $pkg/$p.gitTreeState=clean -X $pkg/$p.buildDate=1970-01-01T00:00:00Z"
  done

  log "building ${missing[*]} $upstream (about 6-12 minutes on 2 cores)"
  (
    cd "$tree"
    export GOPATH=$work/gopath GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local
    make gen_openapi >"$work/gen_openapi.log" 2>&1 || { tail -n 30 "$work/gen_openapi.log" >&2; exit 1; }
    mkdir -p "$work/bin"
    go build -tags selinux,notest -ldflags "$ldflags" -o "$work/bin/" "${missing[@]/#/./cmd/}"
  ) || die "build failed (logs under $work)"
  mkdir -p "$bin"
  for command in "${missing[@]}"; do mv "$work/bin/$command" "$bin/"; done
  rm -rf "$work"
  log "built $bin"
  echo "$bin"
}

# --- up / down ---------------------------------------------------------------------------------------

is_up() {
  [ -f "$state_dir/pids" ] || return 1
  local pid
  while read -r _ pid; do kill -0 "$pid" 2>/dev/null || return 1; done <"$state_dir/pids"
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# A loopback port nothing listens on now. etcd and kube-apiserver cannot report a port they chose
# themselves, so `up` retries the whole start with new ports if one was taken in between.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" || { echo "$port"; return; }
  done
}

make_pki() {
  local pki=$state_dir/pki
  mkdir -p "$pki" && cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=gitops-secrets-e2e-ca" 2>/dev/null
  cat >serving.ext <<EXT
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EXT
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  sign() { # NAME SUBJECT EXTFILE
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$3" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr"
  }
  sign apiserver "/CN=kube-apiserver" serving.ext
  sign admin "/O=system:masters/CN=e2e-admin" client.ext
  sign controller-manager "/CN=system:kube-controller-manager" client.ext
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
  cd - >/dev/null
}

# kubeconfig NAME USER-CERT-BASENAME FILE
write_kubeconfig() {
  local pki=$state_dir/pki b64="base64 -w0"
  cat >"$3" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: gitops-secrets-e2e
  cluster:
    server: https://127.0.0.1:$apiserver_port
    certificate-authority-data: $($b64 "$pki/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $($b64 "$pki/$2.crt")
    client-key-data: $($b64 "$pki/$2.key")
contexts:
- name: gitops-secrets-e2e
  context:
    cluster: gitops-secrets-e2e
    user: $1
    namespace: default
current-context: gitops-secrets-e2e
KUBECONFIG
  chmod 600 "$3"
}

start() { # NAME COMMAND...
  local name=$1; shift
  nohup "$@" >"$state_dir/logs/$name.log" 2>&1 </dev/null &
  echo "$name $!" >>"$state_dir/pids"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every half second; fails when any of our
# processes died (its log's tail tells why) or the time is up.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    local name pid
    while read -r name pid; do
      kill -0 "$pid" 2>/dev/null || { log "$name exited while waiting for $what:"; tail -n 15 "$state_dir/logs/$name.log" >&2; return 1; }
    done <"$state_dir/pids"
    [ $SECONDS -lt $deadline ] || { log "timed out waiting for $what"; return 1; }
    sleep 0.5
  done
}

api() { # PATH: GET on the API server as the admin
  curl -fsS --cacert "$state_dir/pki/ca.crt" --cert "$state_dir/pki/admin.crt" --key "$state_dir/pki/admin.key" \
    "https://127.0.0.1:$apiserver_port$1"
}

start_processes() {
  local bin=$1 pki=$state_dir/pki
  etcd_port=$(free_port); etcd_peer_port=$(free_port); apiserver_port=$(free_port)
  : >"$state_dir/pids"
  rm -rf "$state_dir/etcd"
  start etcd etcd --name e2e --data-dir "$state_dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "e2e=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls "" --log-level warn
  wait_for 30 etcd curl -fsS "http://127.0.0.1:$etcd_port/health" || return 1

  # The audit log records every request (who, verb, resource, response code) so E2E tests can count
  # our writes and check the worker's RBAC for real.
  cat >"$state_dir/audit-policy.yaml" <<POLICY
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
POLICY
  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" --insecure-port 0 \
    --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --authorization-mode RBAC --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
    --audit-policy-file "$state_dir/audit-policy.yaml" --audit-log-path "$state_dir/audit.log" --audit-log-mode blocking \
    --profiling=false --logtostderr
  wait_for 120 "kube-apiserver /readyz" api /readyz || return 1

  write_kubeconfig e2e-admin admin "$state_dir/kubeconfig"
  write_kubeconfig system:kube-controller-manager controller-manager "$state_dir/controller-manager.kubeconfig"
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$state_dir/controller-manager.kubeconfig" \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service,-route' \
    --use-service-account-credentials --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --bind-address 127.0.0.1 --secure-port 0 --port 0 --leader-elect=false --profiling=false --logtostderr
  # The token controller making the default ServiceAccount's token is the sign that the controllers run.
  wait_for 90 "kube-controller-manager (default ServiceAccount token)" has_default_token || return 1
}

has_default_token() { api /api/v1/namespaces/default/serviceaccounts/default | grep -q '"secrets"'; }

up() {
  if is_up; then log "already up"; env_lines; return 0; fi
  down_quietly
  local bin
  bin=$(build)
  mkdir -p "$state_dir/logs"
  echo "$bin/kubectl" >"$state_dir/kubectl-path"
  make_pki
  local attempt
  for attempt in 1 2 3; do
    if start_processes "$bin"; then
      printf 'KUBECONFIG=%s\nAPISERVER_PORT=%s\n' "$state_dir/kubeconfig" "$apiserver_port" >"$state_dir/endpoint"
      log "up: https://127.0.0.1:$apiserver_port (kubeconfig $state_dir/kubeconfig, logs $state_dir/logs)"
      env_lines
      return 0
    fi
    log "start attempt $attempt failed; retrying with new ports"
    stop_processes
  done
  die "the control plane did not start (logs in $state_dir/logs)"
}

env_lines() {
  is_up || die "not up (run: $0 up)"
  echo "export GITOPS_SECRETS_E2E_KUBECONFIG=$state_dir/kubeconfig"
  echo "export GITOPS_SECRETS_E2E_AUDIT_LOG=$state_dir/audit.log"
  echo "export GITOPS_SECRETS_E2E_CLUSTER_DIR=$state_dir"
  echo "export GITOPS_SECRETS_E2E_KUBECTL=$(cat "$state_dir/kubectl-path")"
}

stop_processes() {
  [ -f "$state_dir/pids" ] || return 0
  local name pid pids=()
  while read -r name pid; do pids+=("$pid"); done <"$state_dir/pids"
  # Reverse order: controllers, then the API server, then etcd.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$state_dir/pids"
}

down_quietly() { stop_processes; rm -rf "$state_dir"; }

down() { stop_processes; rm -rf "$state_dir"; log "down"; }

case "${1:-}" in
  build) build >/dev/null ;;
  up) up ;;
  env) env_lines ;;
  down) down ;;
  status) if is_up; then log "up ($(cat "$state_dir/endpoint" | tr '\n' ' '))"; else log "down"; exit 1; fi ;;
  *) echo "usage: $0 build|up|down|env|status" >&2; exit 2 ;;
esac
