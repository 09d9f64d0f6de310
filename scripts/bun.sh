#!/bin/sh
# Run Bun at the pinned version, installing it (from npm) and the locked dependencies first when
# they are missing. Lets `npm run demo` and `npm test` work on a machine with only Node.js and npm.
set -eu
cd "$(dirname "$0")/.."
BUN_VERSION=1.4.5
if ! command -v bun >/dev/null 2>&1 || [ "$(bun --version 2>/dev/null)" != "$BUN_VERSION" ]; then
  if [ -x .tools/node_modules/.bin/bun ] && [ "$(.tools/node_modules/.bin/bun --version)" = "$BUN_VERSION" ]; then
    :
  else
    echo "installing bun $BUN_VERSION from npm into .tools/ ..." >&2
    npm install --silent --no-audit --no-fund --prefix .tools "bun@$BUN_VERSION" >&2
  fi
  PATH="$PWD/.tools/node_modules/.bin:$PATH"
  export PATH
fi
if [ ! -d node_modules ] || [ bun.lock -nt node_modules ]; then
  bun install --frozen-lockfile >&2
  touch node_modules
fi
exec bun "$@"
