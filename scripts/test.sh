#!/usr/bin/env bash
# Runs every test on a fresh machine: installs sqld (for the remote and
# embedded-replica suites, which start it themselves on 127.0.0.1), checks
# formatting and vet, then runs the whole suite with the race-free defaults.
# Extra arguments go to `go test` (e.g. scripts/test.sh -run TestSuiteLocal).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-sqld.sh
export SQLD_BIN="$root/.sqld/sqld"

unformatted="$(gofmt -l $(git ls-files '*.go'))"
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
go test -count=1 -timeout 15m "$@" ./...
