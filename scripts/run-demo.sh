#!/usr/bin/env bash
# `make run`: the service on 127.0.0.1 with steady simulated traffic, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=.venv/bin/callcenter
eval "$($CC stack env)"
url="http://${CALLCENTER_HTTP_HOST}:${CALLCENTER_HTTP_PORT}"

# A demo supervisor for the wallboard; its password is generated once and kept in the state dir.
demo="${CALLCENTER_STATE_DIR}/demo-supervisor.txt"
if [ ! -s "$demo" ]; then
  password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
  if printf '%s\n' "$password" | $CC users add supervisor --role supervisor --password-stdin \
      --display-name "Demo supervisor"; then
    (umask 077; printf '%s\n' "$password" > "$demo")
  fi
fi

$CC serve &
serve_pid=$!
cleanup() { kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

for _ in $(seq 1 60); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { echo "the service exited; see its output above" >&2; exit 1; }
  sleep 0.5
done
curl -sS "$url/healthz"; echo
echo
echo "  Wallboard: $url/wallboard   (user: supervisor, password: $(cat "$demo" 2>/dev/null || echo 'see callcenter users'))"
echo "  Service:   $url   (API docs: $url/docs, health: $url/healthz)"
echo "  Demo traffic runs now; Ctrl-C stops it and the service (the stack stays up: make stack-down)."
echo

seed=1
while kill -0 "$serve_pid" 2>/dev/null; do
  queue=$(shuf -n1 -e general online-shopping illegal-websites cyber-threats digital-law digital-platforms)
  $CC simulate --queue "$queue" --calls 20 --rate 0.5 --agents 4 --patience uniform:8-60 \
    --ring uniform:1-6 --talk exp:25 --seed "$seed" || sleep 2
  seed=$((seed + 1))
done
