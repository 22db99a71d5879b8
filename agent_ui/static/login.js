"use strict";
// Where to go after signing in: a path on this site only. "//host", "/\\host" and
// "/%5Chost" name another site to a browser, and "javascript:" runs code: all refused.
function sameOriginPath(next) {
  const fallback = "/wallboard";
  if (!next || !/^\/[^/\\]/.test(next) || /[\u0000-\u001f\\]/.test(next)) return fallback;
  try {
    const url = new URL(next, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
  } catch {
    return fallback;
  }
}
const form = document.getElementById("login");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.hidden = true;
  const body = JSON.stringify({username: form.username.value, password: form.password.value});
  const r = await fetch("/api/v1/auth/login", {method: "POST", headers: {"content-type": "application/json"}, body});
  if (r.ok) {
    location.assign(sameOriginPath(new URLSearchParams(location.search).get("next")));
    return;
  }
  const data = await r.json().catch(() => ({}));
  error.textContent = r.status === 429
    ? "พยายามหลายครั้งเกินไป โปรดรอสักครู่ · Too many attempts; wait a moment."
    : "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง · Wrong username or password." + (data.error_id ? ` (${data.error_id})` : "");
  error.hidden = false;
});
