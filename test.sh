#!/usr/bin/env bash
# Runs the whole test suite and prints the totals as one line "N passed, N failed".
# Needs redis-server (the cluster tests start their own on a free loopback port), chromium (a test renders the
# Orleans dashboard in headless Chromium) and prometheus (a test lints /metrics with its promtool) on PATH:
#   apt-get install -y redis-server chromium prometheus
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} not installed: run 'sudo apt-get install -y ${missing[*]}' and try again" >&2
    exit 2
  fi
fi
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet build NasNet.sln -c Release -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet test NasNet.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" "$@"
rc=$?
passed=0; failed=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); passed=$((passed + ${p:-0}))
  fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line"); failed=$((failed + ${fl:-0}))
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$line"); failed=$((failed + ${e:-0}))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$rc"
