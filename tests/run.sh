#!/usr/bin/env bash
# Runs every test of OrleansFabric on a fresh Debian machine (as root) or a developer box.
# It installs what the tests need from Debian's packages when it is missing (promtool for the
# metrics format check, the PostgreSQL and Redis servers for the cluster tests), then runs
# `dotnet test` on the whole solution and prints one summary line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (install them with apt-get, or run this script as root)" >&2
    exit 1
  fi
  echo "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The Debian packages start servers of their own; the tests start throwaway servers instead.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r version name _; do pg_ctlcluster "$version" "$name" stop 2>/dev/null || true; done
  fi
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet build OrleansFabric.sln -c Release --nologo 2>&1 | tee "$log" || status=$?
if [ "$status" -eq 0 ]; then
  # The process-level fault tests run real silos whose failure detection is tuned to about a
  # second: they run alone, after the other projects (which run in parallel), so that a CPU
  # starved by five test hosts at once is not mistaken for a dead silo.
  #
  # No test takes minutes; one that hangs (or a fixture that never stops) is ended after ten
  # minutes without a test starting or ending, and named, instead of holding the run until
  # CI gives up on it.
  hang=(--blame-hang-timeout 10m --blame-hang-dump-type none)
  dotnet test OrleansFabric.sln -c Release --no-build --nologo "${hang[@]}" --filter "FullyQualifiedName!~OrleansFabric.Cluster.Tests" "$@" 2>&1 | tee -a "$log" || status=$?
  dotnet test tests/OrleansFabric.Cluster.Tests -c Release --no-build --nologo "${hang[@]}" "$@" 2>&1 | tee -a "$log" || status=$?
fi

# "Passed!  - Failed:     0, Passed:    25, Skipped:     0, Total:    25, ..." per test project.
summary=$(grep -E '^(Passed|Failed)! +- Failed: ' "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' |
  awk '{ f += $1; p += $2; s += $3 } END { printf "%d passed, %d failed", p, f; if (s > 0) printf ", %d skipped", s }')
echo "tests: ${summary:-0 passed, 0 failed}"
if [ "$status" -eq 0 ] && ! grep -qE '^(Passed|Failed)! ' "$log"; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
