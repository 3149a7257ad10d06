#!/usr/bin/env bash
# Runs every test on a fresh machine: installs sqld (for the remote and
# embedded-replica suites, which start it themselves on 127.0.0.1) unless
# SQLD_BIN names one, checks formatting, vet and staticcheck (with and
# without cgo), cross-builds without cgo, runs the whole suite, then the
# remote suite again from a CGO_ENABLED=0 test binary.
# Extra arguments go to `go test` (e.g. scripts/test.sh -run TestSuiteLocal).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -z "${SQLD_BIN:-}" ]]; then
	bash scripts/install-sqld.sh
	export SQLD_BIN="$root/.sqld/sqld"
fi

# find, not git ls-files: this also runs outside a git checkout, and gofmt
# given no files would read stdin.
unformatted="$(find . -name '*.go' -not -path './.*' -print0 | xargs -0 -r gofmt -l)"
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
# staticcheck at a pinned version, built into a temporary directory so that
# nothing is installed on the machine (about a minute on a cold cache).
staticcheck_dir="$(mktemp -d)"
trap 'rm -rf "$staticcheck_dir"' EXIT
GOBIN="$staticcheck_dir" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
staticcheck="$staticcheck_dir/staticcheck"
# The library and its test module (tests/: the shared suite and the tests
# against sqld, with their own dependencies).
for dir in . tests; do
	(cd "$dir" && go vet ./... && CGO_ENABLED=0 go vet ./... &&
		"$staticcheck" ./... && CGO_ENABLED=0 "$staticcheck" ./...)
done
for target in windows/amd64 darwin/amd64 linux/386; do
	CGO_ENABLED=0 GOOS="${target%/*}" GOARCH="${target#*/}" go build ./...
done
go test -count=1 -timeout 15m "$@" ./...
(cd tests && go test -count=1 -timeout 15m "$@" ./...)
# CI=1: a missing sqld fails instead of skipping.
CGO_ENABLED=0 go test -count=1 -timeout 5m "$@" .
(cd tests && CI=1 CGO_ENABLED=0 go test -count=1 -timeout 5m "$@" .)
