#!/usr/bin/env bash
# Browser libraries from npm, at the versions pinned in each package-lock.json, never hand-written copies:
#   api:   signature_pad -> src/Consent.Api/wwwroot/lib/signature_pad/ (the tablet's signature; git-ignored)
#          @microsoft/signalr -> src/Consent.Api/wwwroot/lib/signalr/ (the dashboard's live updates; git-ignored)
#   tests: axe-core      -> tests/Consent.Api.Tests/node_modules/ (injected into pages by the browser tests)
#          @redocly/cli, @asyncapi/parser, ajv -> the same node_modules (the API document tests run them offline)
# Usage: assets.sh [api|tests|all]   (default all). Run by the build when the copy is missing, and by test.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
what="${1:-all}"

need_npm() { command -v npm >/dev/null || die "npm is needed for the tablet's browser libraries (apt-get install nodejs npm)"; }

npm_ci() {
  (cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || (cd "$1" && npm ci --no-audit --no-fund) || die "npm ci failed in $1"
}

if [ "$what" = api ] || [ "$what" = all ]; then
  need_npm
  api="$REPO_ROOT/src/Consent.Api"
  npm_ci "$api"
  out="$api/wwwroot/lib/signature_pad"
  mkdir -p "$out"
  cp "$api/node_modules/signature_pad/dist/signature_pad.umd.min.js" "$out/"
  cp "$api/node_modules/signature_pad/LICENSE" "$out/LICENSE" 2>/dev/null || true
  mkdir -p "$api/wwwroot/lib/signalr"
  cp "$api/node_modules/@microsoft/signalr/dist/browser/signalr.min.js" "$api/wwwroot/lib/signalr/"
  log "signature_pad $(node -p "require('$api/node_modules/signature_pad/package.json').version") and @microsoft/signalr $(node -p "require('$api/node_modules/@microsoft/signalr/package.json').version") copied to wwwroot/lib"
fi

if [ "$what" = tests ] || [ "$what" = all ]; then
  need_npm
  npm_ci "$REPO_ROOT/tests/Consent.Api.Tests"
  [ -f "$REPO_ROOT/tests/Consent.Api.Tests/node_modules/axe-core/axe.min.js" ] || die "axe-core did not install"
  [ -x "$REPO_ROOT/tests/Consent.Api.Tests/node_modules/.bin/redocly" ] && [ -d "$REPO_ROOT/tests/Consent.Api.Tests/node_modules/@asyncapi/parser" ] \
    || die "the API document validators (@redocly/cli, @asyncapi/parser) did not install"
fi
