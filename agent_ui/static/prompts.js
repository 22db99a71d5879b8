// IVR prompts: each prompt's Thai and English text and recording state (GET /api/v1/prompts),
// how many still miss a real recording per language, listening (GET …/{id}/{lang}/audio) and,
// for admins, uploading a WAV or MP3 (PUT /api/v1/prompts/{id}/{lang}); rows update in place.
"use strict";
const LANGS = ["th", "en"];
const STATE = {
  recording: "บันทึกแล้ว · recorded",
  placeholder: "เสียงสังเคราะห์ · placeholder",
  none: "ไม่มีเสียง · missing",
};
// What the upload answers mean to a person (the API's error ids); the API's own message follows.
const ERRORS = {
  invalid_input: "ต้องเป็นไฟล์ WAV หรือ MP3 ที่ไม่ว่าง · a WAV or MP3 file with sound in it",
  prompt_audio_invalid: "อ่านไฟล์เสียงนี้ไม่ได้ · not a readable WAV or MP3",
  prompt_too_large: "ไฟล์ใหญ่เกินกำหนด · the file is too large",
  body_too_large: "ไฟล์ใหญ่เกินกำหนด · the file is too large",
  not_found: "ไม่มีข้อความเสียงนี้ในแคตตาล็อก · no such prompt in the catalogue",
  forbidden: "เฉพาะผู้ดูแลระบบอัปโหลดได้ · only admins upload",
  not_authenticated: "หมดเวลาเข้าระบบ · signed out",
};
const TECHNICAL = new Set(["prompt_audio_invalid"]);
const TYPES = {wav: "audio/wav", mp3: "audio/mpeg"};
const MB = 1024 * 1024;
let admin = false;
let maxBytes = 20 * MB;  // replaced by the API's figure
const versions = {};  // "id/lang" → bumped on upload, so the player fetches the new file
const player = new Audio();
let playing = null;  // the button of what plays now

function card(id) {
  const node = $("prompt-card").content.firstElementChild.cloneNode(true);
  node.dataset.id = id;
  node.querySelector(".pid").textContent = id;
  for (const block of node.querySelectorAll(".lang")) {
    block.querySelector(".play").addEventListener("click", (e) => listen(id, block.dataset.lang, e.currentTarget));
    if (admin) block.append(uploader(id, block.dataset.lang, block));
  }
  return node;
}

function uploader(id, lang, block) {
  const form = $("upload-form").content.firstElementChild.cloneNode(true);
  const input = form.elements.file;
  input.id = `file-${id}-${lang}`;
  input.addEventListener("change", () => { form.querySelector("button").disabled = !input.files.length; });
  form.addEventListener("submit", (e) => { e.preventDefault(); upload(id, lang, form, block); });
  return form;
}

function say(form, text, kind) {
  const msg = form.querySelector(".msg");
  msg.textContent = text;
  msg.className = `msg ${kind}`;
  msg.title = "";
}

function upload(id, lang, form, block) {
  const file = form.elements.file.files[0];
  if (!file) return;
  if (file.size > maxBytes) {
    say(form, `${ERRORS.prompt_too_large}: ${Math.round(file.size / MB)} MB > ${maxBytes / MB} MB (prompt_too_large)`, "bad");
    return;
  }
  const ext = file.name.split(".").pop().toLowerCase();
  const bar = form.querySelector("progress");
  const button = form.querySelector("button");
  const xhr = new XMLHttpRequest();  // fetch() reports no upload progress
  xhr.open("PUT", `/api/v1/prompts/${encodeURIComponent(id)}/${lang}`);
  xhr.setRequestHeader("Content-Type", TYPES[ext] || file.type || "application/octet-stream");
  xhr.upload.addEventListener("progress", (e) => {
    if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
  });
  xhr.addEventListener("load", async () => {
    bar.hidden = true;
    button.disabled = false;
    let data = {};
    try { data = JSON.parse(xhr.responseText); } catch { /* not JSON: the status says enough */ }
    if (xhr.status >= 200 && xhr.status < 300) {
      versions[`${id}/${lang}`] = (versions[`${id}/${lang}`] || 0) + 1;
      form.reset();
      button.disabled = true;
      say(form, `อัปโหลดแล้ว ผู้โทรได้ยินตั้งแต่สายถัดไป · uploaded: callers hear it from the next call (${file.name})`, "ok");
      paintBlock(block, "recording");
      await refresh(false);
    } else {
      if (xhr.status === 401) { signInAgain(); return; }
      const headline = ERRORS[data.error_id] || `ผิดพลาด · error HTTP ${xhr.status}`;
      // sox's own words (temporary paths and all) stay in the tooltip; short messages show.
      const shown = data.message && !TECHNICAL.has(data.error_id) ? ` — ${data.message}` : "";
      say(form, `${headline}: ${file.name}${shown} (${data.error_id || xhr.status})`, "bad");
      form.querySelector(".msg").title = data.message || "";
    }
  });
  xhr.addEventListener("error", () => {
    bar.hidden = true;
    button.disabled = false;
    say(form, "ส่งไฟล์ไม่สำเร็จ ลองใหม่ · the upload did not get through; try again", "bad");
  });
  bar.value = 0;
  bar.hidden = false;
  button.disabled = true;
  say(form, `กำลังอัปโหลด · uploading ${file.name}…`, "");
  xhr.send(file);
}

function listen(id, lang, button) {
  if (playing === button) { player.pause(); return; }
  const v = versions[`${id}/${lang}`] || 0;
  stopped();
  player.src = new URL(`/api/v1/prompts/${encodeURIComponent(id)}/${lang}/audio?v=${v}`, location.href).href;
  playing = button;
  button.dataset.src = player.src;
  button.textContent = "■ หยุด · Stop";
  button.closest(".lang").dataset.playing = "loading";
  player.play().catch(() => {});  // a failure is reported by the "error" event
}

function stopped() {
  if (!playing) return;
  playing.textContent = "▶ ฟัง · Listen";
  delete playing.closest(".lang").dataset.playing;
  playing = null;
}

player.addEventListener("playing", () => { if (playing) playing.closest(".lang").dataset.playing = "yes"; });
// Only for what plays now: a pause of the previous source may arrive after the next started.
const current = () => playing && playing.dataset.src === player.currentSrc;
player.addEventListener("pause", () => { if (current()) stopped(); });
player.addEventListener("ended", () => { if (current()) stopped(); });
player.addEventListener("error", () => {
  if (!playing) return;
  const block = playing.closest(".lang");
  stopped();
  block.querySelector(".line").dataset.error = "ฟังไม่ได้: ยังไม่มีไฟล์เสียง · nothing to play yet";
});

function paintBlock(block, state) {
  block.dataset.state = state;
  const badge = block.querySelector(".state");
  badge.textContent = STATE[state] || state;
  badge.className = `state ${state}`;
  block.querySelector(".play").disabled = state === "none";
  delete block.querySelector(".line").dataset.error;
}

function filter() {
  const f = $("filters").elements;
  const only = f.lang.value;
  for (const node of $("prompts").children) {
    let shown = false;
    for (const block of node.querySelectorAll(".lang")) {
      const langShown = !only || block.dataset.lang === only;
      block.hidden = !langShown;
      if (langShown && (!f.missing.checked || block.dataset.state !== "recording")) shown = true;
    }
    node.hidden = !shown;
  }
  $("prompts").dataset.lang = only || "both";
  const visible = [...$("prompts").children].filter((n) => !n.hidden).length;
  $("status").textContent = visible ? "" : "ไม่มีรายการที่ตรงเงื่อนไข · nothing to show: every prompt has its recording";
}

function paint(data) {
  const ids = [...new Set(data.prompts.map((p) => p.id))];
  const box = $("prompts");
  if ([...box.children].map((n) => n.dataset.id).join() !== ids.join()) {
    box.replaceChildren(...ids.map(card));
  }
  const byId = new Map([...box.children].map((n) => [n.dataset.id, n]));
  for (const p of data.prompts) {
    const block = byId.get(p.id).querySelector(`.lang[data-lang="${p.language}"]`);
    block.querySelector(".text").textContent = p.text || "—";
    paintBlock(block, p.state);
  }
  for (const lang of LANGS) {
    const tile = document.querySelector(`#summary .tile[data-lang="${lang}"]`);
    const missing = data.missing[lang].length;
    $(`missing-${lang}`).textContent = String(missing);
    tile.querySelector(".of").textContent = `/ ${ids.length}`;
    tile.className = `tile ${missing ? "miss" : "met"}`;
  }
  if (data.max_upload_bytes) maxBytes = data.max_upload_bytes;
  filter();
}

async function refresh(loading = true) {
  if (loading) $("status").textContent = "กำลังโหลด · loading…";
  try {
    paint(await api("/api/v1/prompts"));
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

$("filters").addEventListener("change", filter);
signOutLink();

(async () => {
  const me = await signedIn();
  admin = me.role === "admin";
  document.body.dataset.role = me.role;
  $("role-note").textContent = admin
    ? "อัปโหลดไฟล์ WAV หรือ MP3 ได้ในแต่ละภาษา · Upload a WAV or MP3 per language."
    : "ฟังได้อย่างเดียว ผู้ดูแลระบบเป็นผู้อัปโหลด · Listen only: admins upload recordings.";
  await refresh();
})();
