#!/usr/bin/env bash
# Installs the pinned validators the deployment tests run (helm, kubeconform, promtool) with
# `go install`, into HUB_TOOLS_BIN (default ~/go/bin), outside the clone so every worktree and
# later run reuses the build. Each tool is built once; a present binary of the pinned version is kept.
set -euo pipefail
BIN="${HUB_TOOLS_BIN:-$HOME/go/bin}"
mkdir -p "$BIN"
command -v go >/dev/null || { echo "error: go not found: install Go to build the deploy validators" >&2; exit 1; }

install_tool() {  # name module@version
  local name=$1 module=$2 stamp="$BIN/.$1.version"
  if [[ -x "$BIN/$name" && "$(cat "$stamp" 2>/dev/null)" == "$module" ]]; then return; fi
  echo "building $name ($module) into $BIN" >&2
  GOBIN="$BIN" go install "$module"
  echo "$module" >"$stamp"
}

tools=("${@:-kubeconform helm promtool}")
for tool in ${tools[@]}; do
  case "$tool" in
    kubeconform) install_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0 ;;
    helm) install_tool helm helm.sh/helm/v4/cmd/helm@v4.3.2 ;;
    promtool) install_tool promtool github.com/prometheus/prometheus/cmd/promtool@v0.316.0 ;;
    *) echo "error: unknown tool $tool" >&2; exit 2 ;;
  esac
done
