// What the signed-in pages share; each page's template loads this before its own script (the
// pages' CSP allows no inline script): $, el, the API call on the session cookie, who is signed
// in, the sign-out link and call lengths.
"use strict";
const $ = (id) => document.getElementById(id);

// An element with properties and children: el("a", {href, textContent}, child, "text").
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// The error a call throws once it has sent the person to the login page (a 401); not shown.
const SIGNED_OUT = "signed out";

// The login page, coming back to this page once signed in.
function signInAgain() {
  location.assign(`/login?next=${location.pathname}`);
}

// fetch with the session cookie: {r, data}, data being the JSON answer ({} when there is none).
// A 401 sends the person to sign in again and throws SIGNED_OUT.
async function request(path, options = {}) {
  const r = await fetch(path, {credentials: "same-origin", ...options});
  if (r.status === 401) { signInAgain(); throw new Error(SIGNED_OUT); }
  const data = await r.json().catch(() => ({}));
  return {r, data};
}

// The API's JSON answer; a refusal throws the API's own message (Thai and English).
async function api(path, options = {}) {
  const {r, data} = await request(path, options);
  if (!r.ok) throw new Error(data.message || `HTTP ${r.status}`);
  return data;
}

// The signed-in user (GET /api/v1/auth/me), shown in #who as "name · role".
async function signedIn() {
  const me = await api("/api/v1/auth/me");
  $("who").textContent = `${me.username} · ${me.role}`;
  return me;
}

// The "sign out" link (#logout): ends the session, then its own address (the login page).
function signOutLink() {
  const link = $("logout");
  link.addEventListener("click", async (e) => {
    e.preventDefault();
    await fetch("/api/v1/auth/logout", {method: "POST"});
    location.assign(link.href);
  });
}

// A call's length in seconds as m:ss.
const fmtLen = (s) => { const t = Math.round(s); return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`; };
