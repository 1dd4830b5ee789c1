#!/usr/bin/env bash
# test.sh: the one test command, for developers and CI (.ci/run calls it).
#
# 1. installs what the tests compare with, when it can: as root, the Debian
#    packages libevtx-utils (libyal evtxexport), python3-evtx and chromium;
#    the npm packages of package.json (DuckDB) with `npm ci`;
# 2. runs go vet, staticcheck (a pinned version), the tests, the race tests
#    and .ci/fuzz when it exists;
# 3. ends with what was skipped and why, and "N passed, N failed, N skipped".
#
# A tool that could not be installed makes its tests skip, loudly; under
# CI=true it makes them fail. Tests that read ../shared (the samples beside
# the repository) skip with one message when it is absent.
#
# Environment: RACE_PKGS (packages of the race run), TEST_TIMEOUT and
# RACE_TIMEOUT (go test -timeout of each run), STATICCHECK (module
# path@version), TEST_INSTALL=0 to install nothing.
set -uo pipefail
cd "$(dirname "$0")"

STATICCHECK=${STATICCHECK:-honnef.co/go/tools/cmd/staticcheck@v0.8.2}
RACE_PKGS=${RACE_PKGS:-./parser/... ./input/... ./correlate/...}
# The parser's comparisons with libyal and python-evtx on every shared
# sample take minutes under the race detector on a 2-core machine.
TEST_TIMEOUT=${TEST_TIMEOUT:-20m}
RACE_TIMEOUT=${RACE_TIMEOUT:-40m}
failed=()        # steps outside go test that failed
notes=()         # steps not run, and why
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n== %s\n' "$*"; }

# --- 1. install -------------------------------------------------------------
install_tools() {
  local need=()
  command -v evtxexport >/dev/null 2>&1 || need+=(libevtx-utils)
  command -v evtx_dump.py >/dev/null 2>&1 || need+=(python3-evtx)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      notes+=("install: not root, not installed: ${need[*]}")
    elif ! command -v apt-get >/dev/null 2>&1; then
      notes+=("install: no apt-get, not installed: ${need[*]}")
    else
      echo "apt-get install ${need[*]}"
      export DEBIAN_FRONTEND=noninteractive
      if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
        notes+=("install: apt-get failed for: ${need[*]}")
      fi
    fi
  fi
  if [ -f package.json ]; then
    if ! command -v npm >/dev/null 2>&1; then
      notes+=("install: npm not found, node packages not installed")
    elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      echo "npm ci"
      npm ci --no-audit --no-fund --loglevel=error || notes+=("install: npm ci failed")
    fi
  fi
}

if [ "${TEST_INSTALL:-1}" != 0 ]; then
  step install
  install_tools
fi

step "go $(go env GOVERSION)"
go mod download || failed+=(go-mod-download)
go build -o "$tmp/testsummary" ./internal/cmd/testsummary || { echo "cannot build internal/cmd/testsummary" >&2; exit 1; }

# --- 2. checks --------------------------------------------------------------
step "go vet ./..."
go vet ./... || failed+=(vet)

step "staticcheck ./... ($STATICCHECK)"
if go run "$STATICCHECK" ./...; then
  :
else
  rc=$?
  # Exit 1 is findings; anything else is staticcheck not being available
  # (no module proxy): a failure under CI, a note elsewhere.
  if [ "$rc" = 1 ] || [ "${CI:-}" = true ]; then
    failed+=(staticcheck)
  else
    notes+=("staticcheck: could not run (exit $rc)")
  fi
fi

step "go test ./..."
go test -json -timeout "$TEST_TIMEOUT" ./... | "$tmp/testsummary" -save "$tmp/tests.json"

# shellcheck disable=SC2086 # RACE_PKGS is a list of patterns
step "go test -race $RACE_PKGS"
go test -race -json -timeout "$RACE_TIMEOUT" $RACE_PKGS | "$tmp/testsummary" -save "$tmp/race.json"

if [ -x .ci/fuzz ]; then
  step ".ci/fuzz"
  .ci/fuzz || failed+=(fuzz)
elif [ -f .ci/fuzz ]; then
  step ".ci/fuzz"
  bash .ci/fuzz || failed+=(fuzz)
else
  notes+=("fuzz: .ci/fuzz absent")
fi

# --- 3. summary -------------------------------------------------------------
step summary
for n in "${notes[@]}"; do echo "not run: $n"; done
"$tmp/testsummary" -final -failed-steps "${failed[*]}" "$tmp/tests.json" "$tmp/race.json"
