#!/usr/bin/env bash
# Builds the agent desk's browser bundle (JsSIP) from the npm lockfile: no CDN at run time.
# agent_ui/static/vendor/jssip.min.js is committed too, so serving needs no Node; this
# rebuilds it reproducibly (npm ci from agent_ui/web/package-lock.json, then esbuild).
set -euo pipefail
cd "$(dirname "$0")/../agent_ui/web"
command -v npm >/dev/null || { echo "npm is needed to build the desk bundle (apt-get install nodejs npm)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
