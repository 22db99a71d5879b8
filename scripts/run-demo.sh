#!/usr/bin/env bash
# `make run`: the service on 127.0.0.1 with steady simulated traffic, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=.venv/bin/callcenter
eval "$($CC stack env)"
url="http://${CALLCENTER_HTTP_HOST}:${CALLCENTER_HTTP_PORT}"

# Demo logins, one per page; each password is generated once and kept (0600) in the state dir.
demo_user() {  # name role [--agent agentNN]
  local file="${CALLCENTER_STATE_DIR}/demo-$1.txt" password
  if [ ! -s "$file" ]; then
    password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
    if printf '%s\n' "$password" | $CC users add "$1" --role "$2" --password-stdin \
        --display-name "Demo $1" "${@:3}" >&2; then
      (umask 077; printf '%s\n' "$password" > "$file")
    fi
  fi
  cat "$file" 2>/dev/null || echo 'see callcenter users list'
}
supervisor_pw=$(demo_user supervisor supervisor)
qa_pw=$(demo_user qa01 qa)
agent_pw=$(demo_user agent01 agent --agent agent01)

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
echo "  Wallboard: $url/wallboard   (user: supervisor, password: $supervisor_pw)"
echo "  QA:        $url/qa          (user: qa01, password: $qa_pw)"
echo "  Agent:     $url/desk        (user: agent01, password: $agent_pw; softphone PJSIP/agent01)"
echo "  Service:   $url   (API docs: $url/docs, health: $url/healthz)"
echo "  Demo traffic runs now; Ctrl-C stops it and the service (the stack stays up: make stack-down)."
echo

seed=1
while kill -0 "$serve_pid" 2>/dev/null; do
  queue=$(shuf -n1 -e general-enquiries online-shopping illegal-websites cyber-threats digital-law digital-platforms)
  $CC simulate --queue "$queue" --calls 20 --rate 0.5 --agents 4 --patience uniform:8-60 \
    --ring uniform:1-6 --talk exp:25 --seed "$seed" || sleep 2
  seed=$((seed + 1))
done
