// memcheck's page: edit a test, judge it under the chosen models, show the
// verdicts, graphs, barrier advice and lowered assembly. The test and the
// options travel in the URL fragment, so a link reproduces a result.
"use strict";

const $ = (id) => document.getElementById(id);
const ARCHES = ["x86", "arm64", "power"];
let lowered = {};
let lowerArch = "arm64";
let runSeq = 0;

// ---- the editor: line numbers, and the error's line marked ----

function lines(text) { return text.split("\n").length; }

function paintEditor(errorLine) {
  const text = $("test").value;
  const n = lines(text);
  const nums = [];
  for (let i = 1; i <= n; i++) nums.push(i === errorLine ? `<mark>${i}</mark>` : String(i));
  $("gutter").innerHTML = nums.join("\n") + "\n";
  const back = text.split("\n").map((l, i) => {
    const safe = escapeHtml(l) || " ";
    return i + 1 === errorLine ? `<mark class="error-line">${safe}</mark>` : safe;
  });
  $("backdrop").innerHTML = back.join("\n") + "\n";
  syncScroll();
}

function syncScroll() {
  const ta = $("test");
  $("gutter").scrollTop = ta.scrollTop;
  $("backdrop").scrollTop = ta.scrollTop;
  $("backdrop").scrollLeft = ta.scrollLeft;
}

function escapeHtml(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// ---- errors: `line:col: message`, shown at the line ----

function showError(message) {
  const box = $("error");
  box.hidden = false;
  box.textContent = message;
  const m = /^(\d+):(\d+): /.exec(message);
  if (m && Number(m[1]) > 0) {
    const line = Number(m[1]), col = Math.max(1, Number(m[2]));
    paintEditor(line);
    box.classList.add("located");
    box.onclick = () => selectAt(line, col);
    selectAt(line, col, false);
  } else {
    paintEditor(0);
  }
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
  paintEditor(0);
}

function selectAt(line, col, focus = true) {
  const ta = $("test");
  const all = ta.value.split("\n");
  let start = 0;
  for (let i = 0; i < line - 1 && i < all.length; i++) start += all[i].length + 1;
  const end = start + (all[line - 1] || "").length;
  ta.setSelectionRange(Math.min(start + col - 1, end), end);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
  ta.scrollTop = Math.max(0, (line - 4) * lh);
  syncScroll();
  if (focus) ta.focus();
}

// ---- the URL: test, models and options in the fragment ----

function b64url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

async function encodeTest(text) {
  const bytes = new TextEncoder().encode(text);
  if (typeof CompressionStream === "function") return "z" + b64url(await pipe(bytes, new CompressionStream("deflate-raw")));
  return "u" + b64url(bytes);
}

async function decodeTest(code) {
  const bytes = unb64url(code.slice(1));
  const raw = code[0] === "z" ? await pipe(bytes, new DecompressionStream("deflate-raw")) : bytes;
  return new TextDecoder().decode(raw);
}

function selectedModels() {
  if ($("model-all").checked) return ["all"];
  const picked = [...document.querySelectorAll("input.model:checked")].map((i) => i.value);
  return picked.length ? picked : ["all"];
}

function setModels(names) {
  const all = names.includes("all") || names.length === 0;
  $("model-all").checked = all;
  for (const box of document.querySelectorAll("input.model")) box.checked = !all && names.includes(box.value);
}

async function linkFor() {
  const p = new URLSearchParams();
  p.set("test", await encodeTest($("test").value));
  p.set("models", selectedModels().join(","));
  for (const k of ["mode", "atomics", "kernel"]) if ($(k).selectedIndex > 0) p.set(k, $(k).value);
  return location.pathname + "#" + p.toString();
}

async function fromUrl() {
  const p = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  let text = null;
  if (p.get("test")) {
    try { text = await decodeTest(p.get("test")); } catch (e) { showError("the link's test cannot be read"); }
  } else if (p.get("example")) {
    text = await fetchExample(p.get("example"));
  }
  if (p.get("models")) setModels(p.get("models").split(","));
  for (const k of ["mode", "atomics", "kernel"]) if (p.get(k)) $(k).value = p.get(k);
  return text;
}

async function fetchExample(name) {
  const r = await fetch("/api/examples/" + encodeURIComponent(name).replace(/%2F/g, "/"));
  return r.ok ? await r.text() : null;
}

// ---- judging ----

async function post(path, body) {
  const r = await fetch(path, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
  let data;
  try { data = await r.json(); } catch (e) { data = {error: `HTTP ${r.status}`}; }
  return {status: r.status, data};
}

function options() {
  return {test: $("test").value, models: selectedModels(), mode: $("mode").value,
          atomics: $("atomics").value, kernel: $("kernel").value};
}

async function run() {
  const seq = ++runSeq;
  const started = performance.now();
  clearError();
  $("status").textContent = "judging…";
  document.body.dataset.state = "running";
  history.replaceState(null, "", await linkFor());
  const opts = options();
  const isC = /^\s*C\b/.test(opts.test);
  // The table first, alone, then the graphs (which need only the verdict,
  // quicker to decide), the advice and the assembly side by side.
  const {status, data} = await post("/api/run", opts);
  if (seq !== runSeq) return;
  const ms = Math.round(performance.now() - started);
  if (status !== 200) {
    showError(data.error || `HTTP ${status}`);
    $("status").textContent = status === 504 ? "timed out" : status === 413 ? "too large" : "error";
    document.body.dataset.state = "error";
    $("graphs").replaceChildren();
    if (data.results) renderTable(data.results);
    return;
  }
  renderTable(data.results);
  $("status").textContent = `judged in ${ms} ms`;
  document.body.dataset.firstResultMs = String(ms);
  document.body.dataset.state = "judged";
  $("graphs").textContent = "drawing…";
  $("fences").textContent = isC ? "searching…" : "the barrier advisor takes C tests";
  $("lower").textContent = isC ? "" : "assembly tests are not lowered";
  lowered = {};
  const drawn = post("/api/run", {...opts, mode: "verdict-only", graphs: true}).then(({status, data}) => {
    if (seq !== runSeq) return;
    if (status === 200) renderGraphs(data.results); else $("graphs").textContent = data.error || `HTTP ${status}`;
  });
  if (!isC) return drawn;
  const models = opts.models.includes("all") ? undefined : opts.models;
  const fences = post("/api/fences", {...opts, models, diff: true}).then(({status, data}) => {
    if (seq === runSeq) renderFences(status, data);
  });
  const lowers = ARCHES.map((arch) => post("/api/lower", {...opts, arch}).then(({status, data}) => {
    lowered[arch] = status === 200 ? data.text : (data.error || `HTTP ${status}`);
    if (seq === runSeq && arch === lowerArch) showLowered();
  }));
  await Promise.all([drawn, fences, ...lowers]);
}

function verdictClass(v) { return v ? "v-" + v.toLowerCase() : "v-error"; }

function stateText(s) {
  return Object.entries(s).map(([k, v]) => (k.includes(":") ? k : `[${k}]`) + `=${v};`).join(" ");
}

function renderTable(results) {
  const first = results.find((r) => r.name) || {};
  const table = el("table", {class: "verdicts", id: "verdict-table"});
  if (first.name) table.append(el("caption", {}, `${first.name}: ${first.condition}`));
  table.append(el("tr", {}, ...["model", "verdict", "positive", "negative", "states", "flags"].map((h) => el("th", {}, h))));
  for (const r of results) {
    if (r.error) {
      table.append(el("tr", {class: "v-error"}, el("td", {}, r.model || ""), el("td", {colspan: "5"}, r.error)));
      continue;
    }
    const counts = r.exhaustive ? [r.positive, r.negative] : [r.positive ? "≥1" : "0", r.negative ? "≥1" : "0"];
    const states = el("td", {class: "states"});
    r.states.forEach((s, i) => { if (i) states.append(el("br")); states.append(stateText(s)); });
    table.append(el("tr", {class: verdictClass(r.verdict), "data-model": r.model},
      el("td", {}, r.model), el("td", {class: "verdict"}, r.verdict), el("td", {}, counts[0]), el("td", {}, counts[1]),
      states, el("td", {}, r.flags.join(",") || "-")));
  }
  $("table").replaceChildren(table);
  $("table").classList.remove("placeholder");
}

function renderGraphs(results) {
  const box = $("graphs");
  box.replaceChildren();
  const parser = new DOMParser();
  for (const r of results) {
    if (!r.svg) continue;
    const doc = parser.parseFromString(r.svg, "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") continue;
    box.append(el("figure", {"data-model": r.model}, document.importNode(svg, true), el("figcaption", {}, `${r.model}: ${r.verdict}`)));
  }
}

function renderFences(status, data) {
  const box = $("fences");
  if (status !== 200) { box.textContent = data.error || `HTTP ${status}`; return; }
  const table = el("table", {class: "fences"});
  table.append(el("tr", {}, ...["model", "verdict", "fix", "cost per architecture", "verified"].map((h) => el("th", {}, h))));
  for (const [model, m] of Object.entries(data.models)) {
    if (!m.fixes.length) {
      table.append(el("tr", {class: verdictClass(m.verdict)}, el("td", {}, model), el("td", {}, m.verdict),
        el("td", {}, m.verdict === "Never" ? "none needed" : "none found"), el("td", {}, "-"), el("td", {}, "-")));
      continue;
    }
    m.fixes.forEach((f, i) => {
      table.append(el("tr", {class: verdictClass(m.verdict)}, el("td", {}, i ? "" : model), el("td", {}, i ? "" : m.verdict),
        el("td", {}, f.changes.map(describe).join("; ")),
        el("td", {}, Object.entries(f.costs).map(([a, c]) => `${a} ${c}`).join(", ")),
        el("td", {}, f.verified ? "yes" : "NO")));
    });
  }
  const parts = [table];
  const p = data.portable_fix;
  if (p && p.changes.length) {
    parts.push(el("p", {class: "portable"}, `Portable fix (cost ${p.cost}: ${Object.entries(p.costs).map(([a, c]) => `${a} ${c}`).join(", ")}), `
      + `${p.verified ? "verified" : "NOT verified"} Never under ${Object.keys(data.models).join(", ")}: ${p.changes.map(describe).join("; ")}`));
  } else if (p) {
    parts.push(el("p", {class: "portable"}, "No change needed: the outcome is already Never under every model."));
  } else {
    parts.push(el("p", {class: "portable"}, "No combination of the proposed changes forbids the outcome under all the models."));
  }
  const skipped = Object.entries(data.skipped || {});
  if (skipped.length) parts.push(el("p", {class: "skipped"}, "Skipped: " + skipped.map(([m, why]) => `${m} (${why})`).join("; ")));
  if (data.diff) {
    const pre = el("pre", {class: "diff", id: "fix-diff"});
    for (const line of data.diff.split("\n")) {
      const cls = line.startsWith("+++") || line.startsWith("---") ? "d-head" : line.startsWith("+") ? "d-add" : line.startsWith("-") ? "d-del" : line.startsWith("@@") ? "d-hunk" : "";
      pre.append(el("span", {class: cls}, line + "\n"));
    }
    parts.push(pre);
  }
  box.replaceChildren(...parts);
}

function describe(c) {
  return c.action === "insert" ? `P${c.thread} line ${c.line}: insert ${c.barrier}() before`
                               : `P${c.thread} line ${c.line}: upgrade to ${c.barrier}`;
}

function showLowered() {
  for (const b of document.querySelectorAll("#lower-tabs button")) b.classList.toggle("active", b.dataset.arch === lowerArch);
  $("lower").textContent = lowered[lowerArch] ?? "";
}

// ---- wiring ----

async function start() {
  const ta = $("test");
  ta.addEventListener("input", () => paintEditor(0));
  ta.addEventListener("scroll", syncScroll);
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
    if (e.key === "Tab" && !e.shiftKey) { e.preventDefault(); ta.setRangeText("\t", ta.selectionStart, ta.selectionEnd, "end"); paintEditor(0); }
  });
  $("run").addEventListener("click", run);
  $("model-all").addEventListener("change", () => {
    if ($("model-all").checked) for (const b of document.querySelectorAll("input.model")) b.checked = false;
  });
  for (const b of document.querySelectorAll("input.model")) b.addEventListener("change", () => {
    $("model-all").checked = ![...document.querySelectorAll("input.model")].some((x) => x.checked);
  });
  $("example").addEventListener("change", async () => {
    const name = $("example").value;
    if (!name) return;
    const text = await fetchExample(name);
    if (text !== null) { ta.value = text; clearError(); run(); }
  });
  $("upload").addEventListener("change", async () => {
    const f = $("upload").files[0];
    if (!f) return;
    if (f.size > Number(document.body.dataset.maxTestBytes)) { showError(`${f.name}: too large for this server`); return; }
    ta.value = await f.text();
    clearError();
    run();
  });
  $("share").addEventListener("click", async () => {
    const url = new URL(await linkFor(), location.href).href;
    history.replaceState(null, "", url);
    try { await navigator.clipboard.writeText(url); $("status").textContent = "link copied"; }
    catch (e) { $("status").textContent = "link in the address bar"; }
  });
  for (const b of document.querySelectorAll("#lower-tabs button")) b.addEventListener("click", () => { lowerArch = b.dataset.arch; showLowered(); });
  const text = await fromUrl();
  if (text !== null) {
    ta.value = text;
    paintEditor(0);
    run();
  } else {
    const opt = [...$("example").options].find((o) => o.value === "MP+wmb+rmb.litmus");
    if (opt) ta.value = (await fetchExample(opt.value)) || "";
    paintEditor(0);
  }
  showLowered();
  document.body.dataset.ready = "yes";
}

document.addEventListener("DOMContentLoaded", start);
