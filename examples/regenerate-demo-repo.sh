#!/usr/bin/env bash
# Regenerates examples/repo: a demo key pair and SealedSecrets of every type and scope sealed to it.
# The key and every value here are DEMO-ONLY: published on purpose, never to be used for anything real.
# Sealing is randomized, so each run produces new ciphertexts for the same demo values.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=examples/repo
cli() { dotnet run --project src/Reconciler --no-launch-profile -- "$@"; }
dotnet build src/Reconciler -v quiet -nologo >/dev/null

keys=$repo/keys/demo-only
work_key=$(mktemp)
if [ "${NEW_KEY:-0}" = 1 ] || [ -z "$(ls -A "$keys" 2>/dev/null)" ]; then
  rm -rf "$keys" && mkdir -p "$keys"
  cli keys generate --manifest "$work_key" --namespace gitops-secrets
  { echo '# DEMO-ONLY KEY. Published on purpose so the examples work; anyone can decrypt what is sealed to it.'
    echo '# Never seal a real secret with it, never load it into a real cluster.'
    cat "$work_key"; } > "$keys/sealed-secrets-key-demo.yaml"
  rm -f "$work_key"
fi
cli keys cert --keys "$keys" > "$repo/keys/demo-cert.pem"
cert=$repo/keys/demo-cert.pem
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

seal() { # seal OUTPUT [seal flags...] < secret
  mkdir -p "$(dirname "$1")"; local out=$1; shift
  cli seal --cert "$cert" -o yaml -w "$out" "$@"
}

# --- production cluster ------------------------------------------------------------------------------
p=$repo/clusters/production
cli create secret basic-auth db-credentials -n payments --username payments_app --password 'demo-only-Pa55word!' | seal $p/payments/db-credentials.yaml
cli create secret generic stripe-api -n payments --from-literal api-key=sk_demo_only_4eC39HqLyjWDarjtT1zdp7dc --from-literal webhook-secret=whsec_demo_only | seal $p/payments/stripe-api.yaml
cat > $p/payments/deployment.yaml <<'YAML'
# An application manifest beside its SealedSecrets: not a SealedSecret, so the worker ignores it.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-api
  namespace: payments
spec:
  replicas: 2
  selector:
    matchLabels: {app: payments-api}
  template:
    metadata:
      labels: {app: payments-api}
    spec:
      containers:
      - name: api
        image: ghcr.io/example/payments-api:1.4.2
        envFrom:
        - secretRef: {name: payments-env}
        - secretRef: {name: stripe-api}
YAML
printf 'DATABASE_URL=postgres://payments_app@db.payments:5432/payments\nLOG_LEVEL=info\n# demo-only values\nFEATURE_FLAGS_KEY=demo-only-flags\n' > "$work/app.env"
cli create secret generic payments-env -n payments --from-env-file "$work/app.env" | seal $p/payments/payments-env.yaml
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=shop.example.com" -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
cli create secret tls shop-tls -n web --cert "$work/tls.crt" --key "$work/tls.key" | seal $p/web/shop-tls.yaml
cli create secret docker-registry registry-credentials -n web --docker-server ghcr.io --docker-username demo-bot --docker-password demo-only-ghp_token --docker-email bot@example.com \
  | seal $p/web/registry-credentials.yaml --scope namespace-wide

# --- staging cluster ---------------------------------------------------------------------------------
s=$repo/clusters/staging
cli create secret basic-auth db-credentials -n payments --username payments_app --password 'demo-only-staging' | seal $s/payments/db-credentials.yaml
cli create secret generic stripe-api -n payments --from-literal api-key=sk_test_demo_only --from-literal webhook-secret=whsec_test_demo_only | seal $s/payments/stripe-api.yaml

# --- platform (shared by both clusters) --------------------------------------------------------------
pl=$repo/platform
ssh-keygen -q -t ed25519 -N '' -C 'demo-only deploy key' -f "$work/deploy_key"
printf 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n' > "$work/known_hosts"
cli create secret ssh-auth flux-deploy-key -n flux-system --ssh-privatekey "$work/deploy_key" --known-hosts "$work/known_hosts" | seal $pl/flux-system/deploy-key.yaml
cli create secret generic monitoring-token -n monitoring --from-literal token=demo-only-grafana-token | seal $pl/shared/monitoring-token.yaml --scope cluster-wide
cli create secret generic bootstrap-token-demo01 -n kube-system --type bootstrap.kubernetes.io/token \
  --from-literal token-id=demo01 --from-literal token-secret=demoonly00000000 --from-literal usage-bootstrap-authentication=true \
  | seal $pl/kube-system/bootstrap-token.yaml
cat <<'YAML' | seal $pl/ci/ci-bot-token.yaml
apiVersion: v1
kind: Secret
metadata:
  name: ci-bot-token
  namespace: ci
  annotations:
    kubernetes.io/service-account.name: ci-bot
  labels:
    app.kubernetes.io/part-of: ci
type: kubernetes.io/service-account-token
stringData:
  token: demo-only-eyJhbGciOiJSUzI1NiJ9.demo
YAML

# --- staging: a legacy .dockercfg, and several documents in one file (other kinds are ignored) --------
cli create secret generic legacy-registry -n web --type kubernetes.io/dockercfg \
  --from-literal .dockercfg='{"registry.example.com":{"auth":"ZGVtbzpkZW1vLW9ubHk=","email":"bot@example.com"}}' | seal $s/web/legacy-registry.yaml
{
  cat <<'YAML'
# Several documents in one file: the worker reads the SealedSecrets and ignores the rest.
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-settings
  namespace: web
data:
  THEME: dark
YAML
  echo '---'
  cli create secret generic session-keys -n web --from-literal current=demo-only-session-key-2 --from-literal previous=demo-only-session-key-1 | cli seal --cert "$cert" -o yaml
  echo '---'
  cli create secret generic analytics -n web --from-literal write-key=demo-only-analytics | cli seal --cert "$cert" -o yaml --scope namespace-wide
} > $s/web/bundle.yaml
regenerate_shared() { # SharedSecrets (docs/shared-secrets.md) and a Team, in platform/sharing
  local sh=$repo/platform/sharing
  mkdir -p "$sh"
  # A SharedSecret is sealed exactly as a SealedSecret for its home namespace and name; the sharing fields
  # follow spec (the SealedSecret's YAML ends with spec, so they are appended to it).
  seal_shared() { # OUTPUT SHARING_FIELDS < secret
    { cli seal --cert "$cert" -o yaml \
        | sed -e 's#^apiVersion: bitnami.com/v1alpha1$#apiVersion: gitops-secrets.io/v1alpha1#' -e 's#^kind: SealedSecret$#kind: SharedSecret#'
      printf '%s\n' "$2"; } > "$1"
  }
  cat > "$sh/team-payments.yaml" <<'YAML'
# A Team: spec.access[].teams names it; its users and groups are bound by the RoleBindings.
apiVersion: gitops-secrets.io/v1alpha1
kind: Team
metadata:
  name: payments
spec:
  users: [carol, dave]
  groups: [payments-oncall]
YAML
  cli create secret generic analytics-db -n payments --from-literal username=analytics_ro --from-literal password=demo-only-analytics-ro \
    | seal_shared "$sh/analytics-db.yaml" '  access:
  - verbs: [get]
    users: [alice]
    teams: [payments]
  - verbs: [get, update, patch]
    serviceAccounts: [payments/rotator]
  distribute:
    namespaces: [reporting]
    namespaceSelector:
      matchLabels: {gitops-secrets.io/analytics: "true"}'
  cli create secret docker-registry registry-pull -n platform --docker-server registry.example.com --docker-username demo-robot --docker-password demo-only-registry-token \
    | seal_shared "$sh/registry-pull.yaml" '  access:
  - verbs: [get]
    teams: [payments]
  distribute:
    namespaceSelector:
      matchExpressions:
      - {key: team, operator: In, values: [payments, web]}
  imagePull:
    serviceAccounts: [default]'
}
regenerate_shared
echo "regenerated $repo"
