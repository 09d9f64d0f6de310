#!/bin/sh
# The whole test suite: build the single binary (the end-to-end tests run it), then every
# bun:test file. Writes JUnit XML to .test-artifacts/junit.xml and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
mkdir -p .test-artifacts
sh scripts/install-test-deps.sh || echo "could not install test packages" >&2
sh scripts/bun.sh run build >&2 || { echo "build failed" >&2; echo "0 passed, 1 failed"; exit 1; }
sh scripts/bun.sh test --reporter=junit --reporter-outfile=.test-artifacts/junit.xml "$@"
status=$?
sh scripts/bun.sh scripts/junit-summary.ts .test-artifacts/junit.xml || status=1
exit $status
