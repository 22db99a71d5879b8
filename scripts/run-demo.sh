#!/usr/bin/env bash
# `make run`: the service on 127.0.0.1 and the 1212 centre at work (`callcenter demo`), until
# Ctrl-C, which stops both (the demo hangs up its calls and logs its agents out; the stack
# stays up: make stack-down). DEMO_DAY_S sets how long a demo day (08:00-20:00) lasts.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=.venv/bin/callcenter
eval "$($CC stack env)"
url="http://${CALLCENTER_HTTP_HOST}:${CALLCENTER_HTTP_PORT}"
day_s=${DEMO_DAY_S:-1200}
# Dropped callers are called back: the service dials the simulated customers.
export CALLCENTER_CALLBACK_OUT_CONTEXT=${DEMO_CALLBACK_CONTEXT:-demo-customers}

# Demo logins, one per page, with fresh passwords on every run: created, or reset (and made
# active, with their role and agent) when the database already has them, so the passwords
# printed below always work (`callcenter users demo-logins`; also kept 0600 in
# STATE/demo-NAME.txt).
logins=$($CC users demo-logins --json) || { echo "could not set the demo logins" >&2; exit 1; }
login_field() {  # name field
  printf '%s' "$logins" | python3 -c 'import json, sys
print(next(r[sys.argv[2]] for r in json.load(sys.stdin) if r["username"] == sys.argv[1]))' "$1" "$2"
}
supervisor_pw=$(login_field supervisor password)
qa_pw=$(login_field qa01 password)
agent_pw=$(login_field agent01 password)
agent_note=$(login_field agent01 note)
[ -z "$agent_note" ] || echo "note: $agent_note"

log="${CALLCENTER_STATE_DIR}/demo-service.log"
$CC serve >"$log" 2>&1 &
serve_pid=$!
demo_pid=
cleanup() {
  trap - EXIT INT TERM HUP
  if [ -n "$demo_pid" ]; then kill -TERM "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; fi
  kill -TERM "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  echo "stopped: the demo and the service (the stack stays up: make stack-down)"
}
# HUP too: a closed terminal stops the demo as cleanly as Ctrl-C does
trap cleanup EXIT INT TERM HUP

for _ in $(seq 1 60); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { echo "the service exited; see $log" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.5
done
cat <<TEXT

  ศูนย์ 1212 จำลองกำลังทำงาน · The 1212 centre at work. Open:
  Wallboard: $url/wallboard   (user: supervisor, password: $supervisor_pw)
             เจ้าหน้าที่ 39 คนในสถานะต่าง ๆ สายเข้าทั้ง 6 คิว การโทรกลับ
             39 agents (agent02-agent40) in their states, six queues with calls, callbacks
  QA:        $url/qa          (user: qa01, password: $qa_pw)   ไฟล์บันทึกเสียง · recordings
  Agent:     $url/desk        (user: agent01, password: $agent_pw; softphone PJSIP/agent01)
             agent01 เป็นของคุณ: เข้าคิวเพื่อรับสายคู่กับเจ้าหน้าที่จำลอง
             agent01 is yours: log in to take calls and callbacks next to the simulated agents
  Service:   $url   (API docs: $url/docs, health: $url/healthz; log: $log)

  What runs: a day from 08:00 to 20:00 in ${day_s} s, again and again: an opening rush and two
  peaks where the service level drops and alerts fire, a lunch dip with more agents at their
  meal; agents pause for breaks and after-call work and file cases for some calls; callers
  who hang up in the queue are called back (demo-customers: most answer, some never do).
  Ctrl-C หยุดการจำลองและบริการ · Ctrl-C stops the demo and the service; the stack stays up
  (make stack-down).

TEXT
$CC demo --day "$day_s" &
demo_pid=$!
wait "$demo_pid" || true
demo_pid=
