/* latticework workbench: the network, the event table, event and document views, claims and corrections.
 *
 * Plain JavaScript, no build step and no third-party code. The page is served with
 * Content-Security-Policy default-src 'self', so there is no inline script, no inline handler and no
 * style attribute anywhere. Everything that comes from the store (titles, text, evidence, actor names,
 * ids) is untrusted: it only ever reaches the page through text nodes (textContent) or attribute values
 * set with setAttribute; nothing here parses a string as HTML.
 *
 * The state of the page lives in the URL query: the event filters, the page offset, the network's
 * window and the open view (?event=ID, ?doc=ID, ?docs=1), so links are shareable and back/forward work.
 */
"use strict";

(function () {
  const FILTERS = ["actor", "with", "type", "mode", "framework", "since", "until", "status", "source", "text",
    "min_sources", "reports"];
  const VIEWS = ["event", "doc", "docs"];
  const VIEW_KEYS = { event: null, doc: null, docs: null, mark: null };
  const PAGE = 25;
  const DOCS_PAGE = 50;
  const WINDOW_MONTHS = 12;
  const WINDOW_STEP = 3;
  const TYPES = ["AGREE", "CONSULT", "COOPERATE", "AID", "MOBILIZE", "REQUEST", "ACCUSE", "THREATEN"];
  const STATUSES = ["occurred", "planned"];
  const BLOC_COLOURS = { A: "#1f5fbf", B: "#c8322d", "": "#8c8c8c" };
  const MORE_COLOURS = ["#2b8a3e", "#e8a33d", "#7048e8", "#0c8599", "#d6336c", "#5c940d"];
  const SVGNS = "http://www.w3.org/2000/svg";
  const TOKEN_KEY = "latticework.token";
  const W = 640, H = 480, MARGIN = 34;

  const $ = (id) => document.getElementById(id);

  const state = {
    windows: [],          // [{since, until}] from api/windows
    net: null,            // the drawn network {nodes, links}
    netKey: null,         // "since/until" of the drawn (or loading) network
    netSeq: 0,
    claimsKey: null,
    claimsSeq: 0,
    claimsTimer: 0,
    eventsKey: null,      // filters + offset of the loaded table
    evSeq: 0,
    viewKey: null,        // "event:ID" / "doc:ID" / "docs:OFFSET" of the open drawer
    viewSeq: 0,
    playTimer: 0,
    zoom: { k: 1, x: 0, y: 0 },
    regionsFilled: false,
    flash: null,          // the message of a saved correction, shown by the next view drawn
    actorNames: {},
    selection: null,      // {box, button} of the open document view: "add an event" follows the selection
  };

  // ------------------------------------------------------------------------------------------ DOM helpers

  /** An element with attributes (set with setAttribute; no event-handler attributes) and children
   * (strings become text nodes). */
  function build(doc, ns, tag, attrs, kids) {
    const node = ns ? doc.createElementNS(ns, tag) : doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (/^on/i.test(k)) throw new Error("event handler attributes are not allowed: " + k);
      node.setAttribute(k, v === true ? "" : String(v));
    }
    append(node, kids);
    return node;
  }

  function append(node, kids) {
    for (const kid of kids) {
      if (kid === null || kid === undefined || kid === false) continue;
      if (Array.isArray(kid)) append(node, kid);
      else if (kid instanceof Node) node.appendChild(kid);
      else node.appendChild(document.createTextNode(String(kid)));
    }
    return node;
  }

  const el = (tag, attrs, ...kids) => build(document, null, tag, attrs, kids);
  const svg = (tag, attrs, ...kids) => build(document, SVGNS, tag, attrs, kids);

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function on(node, type, fn) {
    node.addEventListener(type, fn);
    return node;
  }

  /** Enter or space on a focusable element does what a click does. */
  function clickable(node, fn) {
    on(node, "click", fn);
    on(node, "keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fn(e); }
    });
    return node;
  }

  let sayTimer = 0;
  function say(text, kind) {
    const m = $("message");
    m.textContent = text || "";
    m.className = "message" + (kind ? " " + kind : "");
    clearTimeout(sayTimer);
    if (kind === "ok") sayTimer = setTimeout(() => say(""), 6000);
  }

  function note(text, kind) {
    return el("p", { class: "note " + (kind || "info") }, text);
  }

  const fmt = (x) => (typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(3)) : x === null || x === undefined ? "" : String(x));
  const list = (xs) => (Array.isArray(xs) ? xs.join(", ") : xs ? String(xs) : "");

  /** A link only for http(s) addresses: a stored URL could be javascript: or data:. */
  function safeHref(url) {
    try {
      const u = new URL(String(url), document.baseURI);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(status, body) {
      super(describe(status, body));
      this.status = status;
      this.body = body;
    }
  }

  function describe(status, body) {
    if (body && typeof body === "object" && body.detail !== undefined) {
      const d = body.detail;
      if (typeof d === "string") return d;
      if (Array.isArray(d)) {
        return d.map((x) => (x && x.loc ? x.loc[x.loc.length - 1] + ": " : "") + (x && x.msg ? x.msg : JSON.stringify(x))).join("; ");
      }
      return JSON.stringify(d);
    }
    if (typeof body === "string" && body && body.length < 200) return "HTTP " + status + ": " + body;
    return "HTTP " + status;
  }

  function apiURL(path, params) {
    const url = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
    }
    return url;
  }

  async function api(path, params, init) {
    const opts = Object.assign({ headers: { Accept: "application/json" } }, init || {});
    const resp = await fetch(apiURL(path, params), opts);
    const type = resp.headers.get("content-type") || "";
    let body = null;
    try {
      body = type.includes("json") ? await resp.json() : await resp.text();
    } catch (e) {
      body = null;
    }
    if (!resp.ok) throw new ApiError(resp.status, body);
    return body;
  }

  const seg = (id) => encodeURIComponent(String(id));

  // ------------------------------------------------------------------------------------------ URL state

  const query = () => new URLSearchParams(location.search);

  function filtersOf(q) {
    const f = {};
    for (const k of FILTERS) {
      const v = q.get(k);
      if (v !== null && v !== "") f[k] = v;
    }
    return f;
  }

  /** Change the URL query (null/""/false removes a key) and bring the page in line with it. */
  function navigate(changes, replace) {
    const q = query();
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === "" || v === false) q.delete(k);
      else q.set(k, v === true ? "true" : String(v));
    }
    const s = q.toString();
    const url = location.pathname + (s ? "?" + s : "");
    if (url !== location.pathname + location.search) {
      history[replace ? "replaceState" : "pushState"](null, "", url);
    }
    render();
  }

  const openView = (kind, value, extra) => navigate(Object.assign({}, VIEW_KEYS, { [kind]: value }, extra || {}));

  function render() {
    const q = query();
    fillForm(q);
    renderNetworkWindow(q);
    loadEvents(q);
    renderView(q);
    markSelection();
  }

  // ------------------------------------------------------------------------------------------ filters form

  function setupForm() {
    const form = $("filters");
    const type = form.elements.namedItem("type");
    for (const t of TYPES) type.appendChild(el("option", { value: t }, t));
    const apply = () => {
      const changes = { offset: null };
      for (const k of FILTERS) {
        const input = form.elements.namedItem(k);
        if (!input) continue;
        changes[k] = input.type === "checkbox" ? input.checked : input.value.trim();
      }
      navigate(changes);
    };
    on(form, "submit", (e) => { e.preventDefault(); apply(); });
    on(form, "change", apply);
    on($("clear-filters"), "click", () => {
      const changes = { offset: null };
      for (const k of FILTERS) changes[k] = null;
      navigate(changes);
    });
    on($("prev-page"), "click", () => {
      const off = Math.max(0, (parseInt(query().get("offset") || "0", 10) || 0) - PAGE);
      navigate({ offset: off || null });
    });
    on($("next-page"), "click", () => {
      const off = (parseInt(query().get("offset") || "0", 10) || 0) + PAGE;
      navigate({ offset: off });
    });
  }

  function fillForm(q) {
    const form = $("filters");
    for (const k of FILTERS) {
      const input = form.elements.namedItem(k);
      if (!input) continue;
      const v = q.get(k) || "";
      if (input.type === "checkbox") input.checked = v === "true" || v === "1";
      else if (input.value !== v) input.value = v;
    }
  }

  async function loadActors() {
    try {
      const actors = await api("api/actors");
      const items = Array.isArray(actors) ? actors : (actors && actors.items) || [];
      const dl = clear($("actor-list"));
      for (const a of items) {
        const code = a.code || a.id;
        if (!code) continue;
        state.actorNames[code] = a.name || a.label || code;
        const option = el("option", { value: code });
        option.label = (a.name || "") + (a.events !== undefined ? " (" + a.events + " events)" : "");
        dl.appendChild(option);
      }
    } catch (e) {
      // the datalist is a convenience; the filters work without it
    }
  }

  // ------------------------------------------------------------------------------------------ events table

  async function loadEvents(q, force) {
    const f = filtersOf(q);
    const offset = Math.max(0, parseInt(q.get("offset") || "0", 10) || 0);
    const key = JSON.stringify([f, offset]);
    if (key === state.eventsKey && !force) return;
    state.eventsKey = key;
    const seq = ++state.evSeq;
    $("events-panel").setAttribute("aria-busy", "true");
    try {
      const data = await api("api/events", Object.assign({}, f, { limit: PAGE, offset: offset }));
      if (seq !== state.evSeq) return;
      drawEvents(data, offset, f);
    } catch (e) {
      if (seq !== state.evSeq) return;
      state.eventsKey = null;
      drawEvents({ total: 0, items: [] }, offset, f, e.message);
    } finally {
      if (seq === state.evSeq) $("events-panel").removeAttribute("aria-busy");
    }
  }

  function actorLinks(codes) {
    const out = [];
    (codes || []).forEach((code, i) => {
      if (i) out.push(", ");
      const a = el("a", { class: "actor-link code", href: "?actor=" + encodeURIComponent(code), title: state.actorNames[code] || code }, code);
      on(a, "click", (e) => {
        e.preventDefault();
        e.stopPropagation();
        navigate({ actor: code, with: null, offset: null });
      });
      out.push(a);
    });
    return out;
  }

  function provenanceBadge(ev) {
    const p = ev.provenance;
    return p && p !== "coder" ? el("span", { class: "badge " + p, title: "provenance" }, p) : null;
  }

  function sourcesCell(ev) {
    if (ev.n_sources === undefined && ev.n_reports === undefined) return "";
    const s = ev.n_sources === undefined ? "?" : ev.n_sources;
    const r = ev.n_reports === undefined ? "?" : ev.n_reports;
    return el("span", { title: s + " distinct sources, " + r + " reports" + (ev.n_documents !== undefined ? ", " + ev.n_documents + " documents" : "") },
      s + " / " + r);
  }

  function snippet(text, n) {
    const t = String(text || "").replace(/\s+/g, " ").trim();
    return t.length > n ? t.slice(0, n - 1) + "…" : t;
  }

  function drawEvents(data, offset, f, error) {
    const tbody = clear($("events").tBodies[0]);
    const items = (data && data.items) || [];
    const total = data && typeof data.total === "number" ? data.total : items.length;
    const current = query().get("event");
    if (error) {
      tbody.appendChild(el("tr", {}, el("td", { class: "empty", colspan: 8 }, "Could not load events: " + error)));
    } else if (!items.length) {
      tbody.appendChild(el("tr", {}, el("td", { class: "empty", colspan: 8 }, "No events match these filters.")));
    }
    for (const ev of items) {
      const id = ev.event_id;
      const tr = el("tr", { "data-event-id": id, tabindex: 0, class: id === current ? "current" : null },
        el("td", { class: "code date" }, ev.date || "—"),
        el("td", {}, ev.type || "", provenanceBadge(ev)),
        el("td", {}, ev.mode || ""),
        el("td", { class: "parties" }, actorLinks(ev.actors)),
        el("td", { class: "parties" }, actorLinks(ev.targets)),
        el("td", {}, ev.status || "", ev.hedged ? el("span", { class: "badge hedged" }, "hedged") : null),
        el("td", { class: "sources" }, sourcesCell(ev)),
        el("td", { class: "evidence" }, snippet(ev.evidence && ev.evidence.text, 120)));
      clickable(tr, () => openView("event", id));
      tbody.appendChild(tr);
    }
    const scope = f.reports ? "reports" : "events";
    $("events-count").textContent = error ? "" : total + " " + scope;
    $("page-info").textContent = items.length ? (offset + 1) + "–" + (offset + items.length) + " of " + total : "";
    $("prev-page").disabled = offset <= 0;
    $("next-page").disabled = offset + items.length >= total;
  }

  // ------------------------------------------------------------------------------------------ network

  async function loadWindows() {
    try {
      const ws = await api("api/windows", { months: WINDOW_MONTHS, step: WINDOW_STEP });
      state.windows = (Array.isArray(ws) ? ws : (ws && ws.items) || [])
        .map((w) => (Array.isArray(w) ? { since: w[0], until: w[1] } : w))
        .filter((w) => w && w.since && w.until);
    } catch (e) {
      state.windows = [];
      say("Could not load the time windows: " + e.message, "error");
    }
    const slider = $("window-slider");
    slider.max = String(Math.max(0, state.windows.length - 1));
    slider.disabled = state.windows.length === 0;
    $("play").disabled = state.windows.length < 2;
  }

  /** The window the URL names (?window=SINCE/UNTIL), or null for the whole period. */
  function currentWindow(q) {
    const v = (q || query()).get("window");
    if (!v) return null;
    const [since, until] = v.split("/");
    return since && until ? { since: since, until: until } : null;
  }

  function windowIndex(w) {
    if (!w) return -1;
    return state.windows.findIndex((x) => x.since === w.since && x.until === w.until);
  }

  function setupNetwork() {
    const slider = $("window-slider");
    const whole = $("whole-period");
    const pick = (replace) => {
      const w = state.windows[parseInt(slider.value, 10)];
      if (w) navigate({ window: w.since + "/" + w.until }, replace);
    };
    on(slider, "input", () => pick(true));
    on(slider, "change", () => pick(true));
    on(whole, "change", () => {
      if (whole.checked) navigate({ window: null });
      else pick(false);
    });
    on($("play"), "click", togglePlay);
    on($("region"), "change", () => navigate({ region: $("region").value || null }));
  }

  function togglePlay() {
    const button = $("play");
    if (state.playTimer) {
      clearInterval(state.playTimer);
      state.playTimer = 0;
      button.textContent = "Play";
      return;
    }
    if (state.windows.length < 2) return;
    button.textContent = "Pause";
    const step = () => {
      let i = windowIndex(currentWindow()) + 1;
      if (i >= state.windows.length) i = 0;
      const w = state.windows[i];
      navigate({ window: w.since + "/" + w.until }, true);
    };
    step();
    state.playTimer = setInterval(step, 1600);
  }

  function renderNetworkWindow(q) {
    const w = currentWindow(q);
    const i = windowIndex(w);
    const slider = $("window-slider");
    $("whole-period").checked = !w;
    if (i >= 0) slider.value = String(i);
    const region = q.get("region") || "";
    regionOption(region);
    $("region").value = region;
    $("window-label").textContent = (w ? w.since + " – " + w.until : "whole period") + (region ? " · " + region : "");
    const key = (w ? w.since + "/" + w.until : "") + "|" + region;
    if (key !== state.netKey) loadNetwork(w, region, key);
    if (key !== state.claimsKey) scheduleClaims(w, region, key);
  }

  /** The network's parameters: the window and the region(s). */
  function netParams(w, region) {
    return Object.assign(w ? { since: w.since, until: w.until } : {}, region ? { region: region } : {});
  }

  function regionOption(region) {
    const select = $("region");
    if (region && ![...select.options].some((o) => o.value === region)) select.appendChild(el("option", { value: region }, region));
  }

  /** The regions of the whole period's actors, once (the server names them in each node). */
  function fillRegions(nodes) {
    if (state.regionsFilled) return;
    state.regionsFilled = true;
    const names = [...new Set(nodes.map((n) => n.region).filter(Boolean))].sort();
    for (const r of names) regionOption(r);
    $("region").value = query().get("region") || "";
  }

  async function loadNetwork(w, region, key) {
    state.netKey = key;
    const seq = ++state.netSeq;
    const windowName = w ? w.since + "/" + w.until : "";
    $("network").setAttribute("aria-busy", "true");
    try {
      const data = await api("api/network", netParams(w, region));
      if (seq !== state.netSeq) return;
      state.net = data;
      if (!w && !region) fillRegions((data && data.nodes) || []);
      drawNetwork(data, windowName);
    } catch (e) {
      if (seq !== state.netSeq) return;
      state.netKey = null;
      state.net = null;
      drawNetwork({ nodes: [], links: [] }, windowName, "Could not load the network: " + e.message);
    } finally {
      if (seq === state.netSeq) $("network").removeAttribute("aria-busy");
    }
  }

  function blocColour(bloc) {
    const b = bloc === null || bloc === undefined ? "" : String(bloc);
    if (b in BLOC_COLOURS) return BLOC_COLOURS[b];
    let h = 0;
    for (const ch of b) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return MORE_COLOURS[h % MORE_COLOURS.length];
  }

  const clamp01 = (v) => (typeof v === "number" && isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5);
  const linkEnd = (x) => (x && typeof x === "object" ? x.id : x);
  const tieStrength = (l) => Math.max(Math.abs(Number(l.weight) || 0), Math.abs(Number(l.net) || 0));

  function nodeLabel(n) {
    const label = n.label ? String(n.label) : "";
    return label && label.length <= 16 ? label : String(n.id);
  }

  function drawNetwork(data, key, error) {
    const root = clear($("network"));
    root.setAttribute("data-window", key);
    const nodes = (data && data.nodes) || [];
    const links = (data && data.links) || [];
    if (!nodes.length) {
      root.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" },
        error || "No ties in this window."));
      return;
    }
    const pos = {};
    for (const n of nodes) {
      pos[n.id] = [MARGIN + clamp01(n.x) * (W - 2 * MARGIN), MARGIN + clamp01(n.y) * (H - 2 * MARGIN)];
    }
    const maxTie = Math.max(1e-9, ...links.map(tieStrength));
    root.appendChild(svg("rect", { class: "background", x: 0, y: 0, width: W, height: H }));
    const viewport = svg("g", { class: "viewport" });
    const ties = svg("g", { class: "ties" });
    for (const l of links) {
      const a = linkEnd(l.source), b = linkEnd(l.target);
      if (!pos[a] || !pos[b]) continue;
      const hostile = Number(l.sign) < 0;
      const width = 1 + 7 * Math.sqrt(tieStrength(l) / maxTie);
      const ends = { x1: pos[a][0].toFixed(1), y1: pos[a][1].toFixed(1), x2: pos[b][0].toFixed(1), y2: pos[b][1].toFixed(1) };
      const types = Array.isArray(l.types) ? l.types.join(", ") : l.types && typeof l.types === "object" ? Object.keys(l.types).join(", ") : "";
      const g = svg("g", { class: "tie" + (hostile ? " hostile" : ""), tabindex: 0, role: "button",
        "data-source": a, "data-target": b, "aria-label": a + "–" + b + " events" },
      svg("title", {}, a + " – " + b + ": weight " + fmt(l.weight) + ", net " + fmt(l.net) +
          (types ? "; " + types : "") + (l.event_ids ? "; " + l.event_ids.length + " events" : "")),
      svg("line", Object.assign({ class: "tie-line", stroke: hostile ? "#b42318" : "#6b7b8c",
        "stroke-width": width.toFixed(2), "stroke-dasharray": hostile ? "7 5" : null,
        "stroke-opacity": hostile ? 0.9 : 0.7 }, ends)),
      svg("line", Object.assign({ class: "tie-hit", "stroke-width": Math.max(12, width + 6).toFixed(1) }, ends)));
      clickable(g, () => selectTie(a, b));
      ties.appendChild(g);
    }
    const size = (n) => Number(n.centrality !== undefined ? n.centrality : n.hub_score !== undefined ? n.hub_score : n.degree) || 0;
    const maxSize = Math.max(1e-9, ...nodes.map(size));
    const layer = svg("g", { class: "nodes" });
    const labels = svg("g", { class: "labels" });  // above every circle, so no node hides a name
    for (const n of nodes) {
      const [x, y] = pos[n.id];
      const r = 5 + 9 * Math.sqrt(Math.max(0, size(n)) / maxSize);
      const g = svg("g", { class: "node", tabindex: 0, role: "button", "data-id": n.id, "data-bloc": n.bloc || "",
        "aria-label": String(n.label || n.id) + " events" },
      svg("title", {}, String(n.label || n.id) + " (" + n.id + ")" + (n.bloc ? ", bloc " + n.bloc : "") +
          (n.degree !== undefined ? ", " + n.degree + " ties" : "") +
          (n.centrality !== undefined ? ", centrality " + fmt(Number(n.centrality)) : "")),
      svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1), fill: blocColour(n.bloc) }));
      clickable(g, () => selectActor(n.id));
      layer.appendChild(g);
      labels.appendChild(svg("text", { class: "label", "data-id": n.id, x: (x + r + 3).toFixed(1), y: (y + 4).toFixed(1) },
        nodeLabel(n)));
    }
    viewport.appendChild(ties);
    viewport.appendChild(layer);
    viewport.appendChild(labels);
    root.appendChild(viewport);
    applyZoom();
    markSelection();
  }

  // zoom and pan: the wheel zooms about the pointer, a drag on the background pans, a double click
  // on it resets; kept while the slider moves through the windows
  function applyZoom() {
    const v = $("network").querySelector(".viewport");
    const z = state.zoom;
    if (v) v.setAttribute("transform", "translate(" + z.x.toFixed(2) + " " + z.y.toFixed(2) + ") scale(" + z.k.toFixed(4) + ")");
  }

  function svgPoint(root, e) {
    const m = root.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  function setupZoom() {
    const root = $("network");
    const z = state.zoom;
    root.addEventListener("wheel", (e) => {
      e.preventDefault();
      const p = svgPoint(root, e);
      const k = Math.min(8, Math.max(1, z.k * Math.exp(-e.deltaY / 400)));
      z.x = p.x - (p.x - z.x) * (k / z.k);
      z.y = p.y - (p.y - z.y) * (k / z.k);
      z.k = k;
      if (k === 1) { z.x = 0; z.y = 0; }
      applyZoom();
    }, { passive: false });
    let drag = null;
    const background = (e) => e.target === root || (e.target.classList && e.target.classList.contains("background"));
    on(root, "pointerdown", (e) => {
      if (!background(e) || e.button !== 0) return;
      drag = { p: svgPoint(root, e), x: z.x, y: z.y };
      root.setPointerCapture(e.pointerId);
      root.classList.add("panning");
    });
    on(root, "pointermove", (e) => {
      if (!drag) return;
      const p = svgPoint(root, e);
      z.x = drag.x + p.x - drag.p.x;
      z.y = drag.y + p.y - drag.p.y;
      applyZoom();
    });
    const end = () => { drag = null; root.classList.remove("panning"); };
    on(root, "pointerup", end);
    on(root, "pointercancel", end);
    on(root, "dblclick", (e) => {
      if (!background(e)) return;
      z.k = 1; z.x = 0; z.y = 0;
      applyZoom();
    });
  }

  function windowFilters() {
    const w = currentWindow();
    return { since: w ? w.since : null, until: w ? w.until : null };
  }

  function selectActor(id) {
    navigate(Object.assign({ actor: id, with: null, offset: null }, windowFilters()));
  }

  function selectTie(a, b) {
    navigate(Object.assign({ actor: a, with: b, offset: null }, windowFilters()));
  }

  /** Outline the actor (and dyad) the table is filtered to; dim what is not its ego network. */
  function markSelection() {
    const q = query();
    const actor = q.get("actor"), other = q.get("with");
    const root = $("network");
    const near = new Set(actor ? [actor] : []);
    for (const t of root.querySelectorAll(".tie")) {
      const a = t.getAttribute("data-source"), b = t.getAttribute("data-target");
      const mine = actor && (a === actor || b === actor);
      if (mine && !other) { near.add(a); near.add(b); }
      t.classList.toggle("selected", !!(actor && other && ((a === actor && b === other) || (a === other && b === actor))));
      t.classList.toggle("dim", !!actor && !mine);
    }
    if (other) near.add(other);
    for (const n of root.querySelectorAll(".node, .label")) {
      const id = n.getAttribute("data-id");
      n.classList.toggle("selected", id === actor || id === other);
      n.classList.toggle("dim", !!actor && !near.has(id));
    }
  }

  // ------------------------------------------------------------------------------------------ claims

  function scheduleClaims(w, region, key) {
    state.claimsKey = key;
    clearTimeout(state.claimsTimer);
    $("claims-window").textContent = (w ? w.since + " – " + w.until : "whole period") + (region ? " · " + region : "");
    // claims run permutation tests: wait until the slider rests
    state.claimsTimer = setTimeout(() => loadClaims(w, region), 350);
  }

  async function loadClaims(w, region) {
    const seq = ++state.claimsSeq;
    const box = $("claims");
    box.setAttribute("aria-busy", "true");
    try {
      const data = await api("api/claims", netParams(w, region));
      if (seq !== state.claimsSeq) return;
      drawClaims(Array.isArray(data) ? data : (data && (data.claims || data.items)) || []);
    } catch (e) {
      if (seq !== state.claimsSeq) return;
      state.claimsKey = null;
      clear(box).appendChild(note("Could not load the claims: " + e.message, "error"));
    } finally {
      if (seq === state.claimsSeq) box.removeAttribute("aria-busy");
    }
  }

  function citationIds(c) {
    const raw = c.citations || c.event_ids || [];
    return raw.map((x) => (x && typeof x === "object" ? x.event_id || x.id : x)).filter(Boolean);
  }

  function drawClaims(claims) {
    const box = clear($("claims"));
    if (!claims.length) {
      box.appendChild(el("p", { class: "muted" }, "No claims for this window."));
      return;
    }
    for (const c of claims) {
      const verdict = String(c.verdict || "");
      const cls = verdict.toLowerCase().replace(/[^a-z]+/g, "-");
      const test = c.test && typeof c.test === "object" ? c.test : null;
      const rows = [];
      if (test) {
        const p = test.p_value !== undefined ? test.p_value : test.p;
        rows.push(["test", [test.name, test.statistic].filter(Boolean).join(": ")]);
        if (test.null_model) rows.push(["null model", test.null_model]);
        if (test.observed !== undefined) rows.push(["observed", fmt(test.observed)]);
        if (p !== undefined) rows.push(["p", fmt(p) + (test.draws ? " over " + test.draws + " draws" : "")]);
        if (test.threshold) rows.push(["threshold", test.threshold]);
      } else if (typeof c.test === "string") {
        rows.push(["test", c.test]);
      }
      const values = c.values || c.numbers;
      if (values && typeof values === "object") {
        for (const [k, v] of Object.entries(values)) rows.push([k, typeof v === "object" ? JSON.stringify(v) : fmt(v)]);
      }
      for (const m of c.minimums || []) {
        rows.push(["minimum", String(m.name) + ": " + fmt(m.observed) + " / " + fmt(m.required) + (m.met ? " ✓" : " ✗")]);
      }
      const ids = citationIds(c);
      const cites = el("p", { class: "citations" }, ids.length ? "Cited events: " : "No cited events.");
      for (const id of ids) {
        const a = el("a", { href: "?event=" + encodeURIComponent(id), class: "citation", "data-event-id": id }, String(id).slice(0, 10));
        on(a, "click", (e) => { e.preventDefault(); openView("event", id); });
        cites.appendChild(a);
      }
      box.appendChild(el("div", { class: "claim " + cls, "data-claim": c.id || "" },
        el("div", { class: "verdict" }, verdict),
        el("h3", {}, c.title || c.claim || c.id || "claim"),
        c.text ? el("p", {}, c.text) : null,
        rows.length ? el("table", {}, el("tbody", {}, rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))))) : null,
        cites));
    }
  }

  // ------------------------------------------------------------------------------------------ drawer views

  function setupDrawer() {
    on($("close-detail"), "click", () => navigate(VIEW_KEYS));
    on(document, "keydown", (e) => {
      if (e.key === "Escape" && !$("detail").hidden) navigate(VIEW_KEYS);
    });
    on($("open-documents"), "click", () => openView("docs", "0"));
    on(document, "selectionchange", () => {
      const cur = state.selection;
      if (cur && document.body.contains(cur.box)) cur.button.disabled = !selectionIn(cur.box);
    });
    const token = $("token");
    try {
      token.value = sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (e) { /* storage may be off */ }
    on(token, "input", () => setToken(token.value));
  }

  function renderView(q, force) {
    let key = null;
    for (const kind of VIEWS) {
      const v = q.get(kind);
      if (v !== null && v !== "") { key = kind + ":" + v; break; }
    }
    const drawer = $("detail");
    if (!key) {
      state.viewKey = null;
      state.viewSeq++;
      drawer.hidden = true;
      clear($("detail-body"));
      for (const tr of document.querySelectorAll("#events tr.current")) tr.classList.remove("current");
      return;
    }
    if (key === state.viewKey && !force) return;
    state.viewKey = key;
    drawer.hidden = false;
    const [kind, ...rest] = key.split(":");
    const value = rest.join(":");
    for (const tr of document.querySelectorAll("#events tbody tr")) {
      tr.classList.toggle("current", kind === "event" && tr.getAttribute("data-event-id") === value);
    }
    const seq = ++state.viewSeq;
    const body = $("detail-body");
    if (!force) clear(body).appendChild(el("p", { class: "muted" }, "Loading…"));
    const show = (node) => {
      if (seq !== state.viewSeq) return;
      clear(body).appendChild(node);
      if (!force) $("detail").scrollTop = 0;
    };
    const fail = (e) => {
      const flash = takeFlash();
      if (flash && kind === "event" && e.status === 404) {
        show(el("div", { class: "correction-status" }, flash,
          note("This event has no report left: it is gone from the events, the network and the exports.", "info")));
      } else {
        show(note((e.status === 404 ? "Not found: " : "Could not load: ") + e.message, "error"));
      }
    };
    if (kind === "event") api("api/events/" + seg(value)).then((ev) => show(eventView(ev)), fail);
    else if (kind === "doc") api("api/documents/" + seg(value)).then((d) => show(documentView(d)), fail);
    else api("api/documents", { limit: DOCS_PAGE, offset: parseInt(value, 10) || 0 }).then((d) => show(documentsList(d, parseInt(value, 10) || 0)), fail);
  }

  /** The note a saved correction leaves for the view drawn after it (once). */
  function takeFlash() {
    const f = state.flash;
    state.flash = null;
    return f ? note(f, "ok") : null;
  }

  /** After a saved correction: reload what it changed and follow the event its report now belongs to
   * (an edit can move a report into another event; a reject can leave an event without reports). */
  async function afterCorrection(body, result, message) {
    state.flash = message;
    state.eventsKey = null;
    state.netKey = null;
    state.claimsKey = null;
    say(message, "ok");
    const open = query().get("event");
    const rid = result && typeof result === "object" ? result.applied_to || result.report_id : null;
    let follow = null;
    if (open && rid && body.action !== "reject") {
      try {
        follow = (await api("api/events/" + seg(rid))).cluster_id || null;
      } catch (e) {
        follow = null;
      }
    }
    if (follow && follow !== open) {
      navigate({ event: follow }, true);
    } else {
      render();
      renderView(query(), true);
    }
  }

  /** A link to a document's view; `mark` is the event whose spans it shows as current. */
  function docLink(docId, text, mark) {
    const href = "?doc=" + encodeURIComponent(docId) + (mark ? "&mark=" + encodeURIComponent(mark) : "");
    const a = el("a", { href: href, class: "doc-link", "data-doc-id": docId }, text || docId);
    on(a, "click", (e) => { e.preventDefault(); openView("doc", docId, { mark: mark || null }); });
    return a;
  }

  function eventLink(eventId, text) {
    const a = el("a", { href: "?event=" + encodeURIComponent(eventId), class: "event-link", "data-event-id": eventId }, text || eventId);
    on(a, "click", (e) => { e.preventDefault(); openView("event", eventId); });
    return a;
  }

  function fieldList(pairs) {
    return el("dl", { class: "fields" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "" &&
      !(Array.isArray(v) && !v.length)).map(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v)]));
  }

  function eventView(ev) {
    const loc = ev.location && typeof ev.location === "object"
      ? [ev.location.name, ev.location.country].filter(Boolean).join(", ") : ev.location;
    const doc = ev.document && typeof ev.document === "object" ? ev.document : null;
    const docId = ev.doc_id || (doc && doc.id);
    const counts = ev.n_reports !== undefined
      ? ev.n_reports + " reports in " + (ev.n_documents !== undefined ? ev.n_documents : "?") + " documents from " +
        (ev.n_sources !== undefined ? ev.n_sources : "?") + " sources" : null;
    const root = el("div", { class: "event-view", "data-event-id": ev.event_id },
      el("h2", {}, (ev.type || "event") + (ev.mode ? " · " + ev.mode : "") + " ", provenanceBadge(ev)),
      fieldList([
        ["event", el("span", { class: "code" }, ev.event_id)],
        ["actors", actorLinks(ev.actors)],
        ["targets", actorLinks(ev.targets)],
        ["date", ev.date],
        ["status", ev.status],
        ["hedged", ev.hedged ? "yes" : null],
        ["location", loc],
        ["framework", ev.framework],
        ["provenance", ev.provenance],
        ["source", ev.source],
        ["CAMEO", ev.cameo],
        ["trigger", ev.trigger],
        ["confidence", ev.confidence !== undefined && ev.confidence !== null ? fmt(ev.confidence) : null],
        ["reported", counts],
        ["seen", ev.first_seen ? ev.first_seen + (ev.last_seen && ev.last_seen !== ev.first_seen ? " – " + ev.last_seen : "") : null],
        ["document", docId ? docLink(docId, doc && doc.title ? doc.title : docId, ev.event_id) : null],
      ]));

    root.appendChild(el("h3", {}, "Evidence in context"));
    root.appendChild(contextView(ev, doc));
    if (docId) root.appendChild(el("p", {}, docLink(docId, "Open the document with every report highlighted →", ev.event_id)));

    const reports = Array.isArray(ev.reports) ? ev.reports : [];
    root.appendChild(el("h3", {}, "Reports (" + reports.length + ")"));
    if (reports.length) {
      root.appendChild(el("table", { class: "grid reports" },
        el("thead", {}, el("tr", {}, el("th", {}, "source"), el("th", {}, "published"), el("th", {}, "date"), el("th", {}, "evidence"), el("th", {}, "document"))),
        el("tbody", {}, reports.map((r) => el("tr", { "data-report-id": r.report_id || "" },
          el("td", {}, r.source || ""),
          el("td", { class: "code" }, r.published || ""),
          el("td", { class: "code" }, r.date || ""),
          el("td", { class: "evidence" }, typeof r.evidence === "object" && r.evidence ? r.evidence.text || "" : r.evidence || ""),
          el("td", {}, r.doc_id ? docLink(r.doc_id, r.doc_id, ev.event_id) : ""))))));
    }
    root.appendChild(el("h3", {}, "Correct this event"));
    root.appendChild(correctionControls(ev));
    return root;
  }

  const s0 = (ev) => (ev.evidence && Number.isInteger(ev.evidence.start) ? ev.evidence.start : 0);

  function contextView(ev, doc) {
    const ctx = ev.context && typeof ev.context === "object" ? ev.context : null;
    const evText = ev.evidence && typeof ev.evidence === "object" ? ev.evidence.text : ev.evidence;
    let before = "", middle = evText || "", after = "", cut = false;
    if (ctx) {  // the server marks its own cuts with "…"
      before = ctx.before || "";
      middle = ctx.evidence !== undefined && ctx.evidence !== null ? ctx.evidence : middle;
      after = ctx.after || "";
    } else if (doc && typeof doc.text === "string" && ev.evidence && Number.isInteger(ev.evidence.start)) {
      const s = ev.evidence.start, e = ev.evidence.end;
      before = doc.text.slice(Math.max(0, s - 400), s);
      middle = doc.text.slice(s, e);
      after = doc.text.slice(e, e + 400);
      cut = true;
    }
    return el("div", { class: "context" },
      cut && s0(ev) > 400 ? el("span", { class: "gap" }, "…") : null, before,
      el("mark", { class: "evidence" }, middle),
      after, cut && doc && ev.evidence.end + 400 < doc.text.length ? el("span", { class: "gap" }, "…") : null);
  }

  function documentsList(data, offset) {
    const items = (data && data.items) || [];
    const total = data && typeof data.total === "number" ? data.total : items.length;
    const root = el("div", { class: "documents-view" }, el("h2", {}, "Documents"),
      el("p", { class: "muted" }, total ? (offset + 1) + "–" + (offset + items.length) + " of " + total : "No documents."));
    root.appendChild(el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, el("th", {}, "published"), el("th", {}, "title"), el("th", {}, "source"), el("th", {}, "reports"))),
      el("tbody", {}, items.map((d) => el("tr", { "data-doc-id": d.id },
        el("td", { class: "code" }, d.published || ""),
        el("td", {}, docLink(d.id, d.title || d.id)),
        el("td", {}, d.source || ""),
        el("td", {}, d.n_reports !== undefined ? String(d.n_reports) : ""))))));
    const pager = el("div", { class: "pager" });
    const prev = el("button", { type: "button", disabled: offset <= 0 }, "‹ previous");
    const next = el("button", { type: "button", disabled: offset + items.length >= total }, "next ›");
    on(prev, "click", () => openView("docs", String(Math.max(0, offset - DOCS_PAGE))));
    on(next, "click", () => openView("docs", String(offset + DOCS_PAGE)));
    append(pager, [prev, next]);
    root.appendChild(pager);
    return root;
  }

  /** The text as text nodes, every report's evidence span a <mark> (overlapping spans split at their
   * boundaries; a piece covered by several reports is marked once and lists them all). */
  function highlightedText(text, reports) {
    const box = el("div", { class: "doctext", id: "doc-text" });
    const spans = [];
    for (const r of reports) {
      const ev = r.evidence || {};
      const s = Number(ev.start), e = Number(ev.end);
      if (Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e > s && s < text.length) {
        spans.push({ s: s, e: Math.min(e, text.length), r: r });
      }
    }
    const cuts = new Set([0, text.length]);
    for (const sp of spans) { cuts.add(sp.s); cuts.add(sp.e); }
    const points = [...cuts].sort((a, b) => a - b);
    const current = query().get("mark");
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      const piece = text.slice(a, b);
      const over = spans.filter((sp) => sp.s <= a && sp.e >= b).map((sp) => sp.r);
      if (!over.length) { box.appendChild(document.createTextNode(piece)); continue; }
      const ids = [...new Set(over.map((r) => r.event_id).filter(Boolean))];
      const label = over.map((r) => (r.type || "event") + " " + list(r.actors) + (r.targets && r.targets.length ? " → " + list(r.targets) : "")).join("\n");
      const mark = el("mark", { class: "span" + (over.length > 1 ? " multi" : "") + (ids.includes(current) ? " current" : ""),
        "data-event-ids": ids.join(" "), "data-report-ids": over.map((r) => r.report_id || "").join(" "),
        title: label, tabindex: 0 }, piece);
      if (ids.length) clickable(mark, () => openView("event", ids[0]));
      box.appendChild(mark);
    }
    return box;
  }

  /** The selection inside `box` as character offsets of the document text (the box holds only the
   * text's own characters, so a range's length from the box start is an offset). */
  function selectionIn(box) {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return null;
    const upto = (node, offset) => {
      const r = document.createRange();
      r.setStart(box, 0);
      r.setEnd(node, offset);
      return r.toString().length;
    };
    const start = upto(range.startContainer, range.startOffset);
    const end = upto(range.endContainer, range.endOffset);
    return end > start ? { start: start, end: end } : null;
  }

  function documentView(d) {
    const text = typeof d.text === "string" ? d.text : "";
    const reports = Array.isArray(d.reports) ? d.reports : [];
    const href = d.url ? safeHref(d.url) : null;
    const root = el("div", { class: "document-view", "data-doc-id": d.id },
      el("h2", { id: "doc-title" }, d.title || d.id),
      fieldList([
        ["document", el("span", { class: "code" }, d.id)],
        ["source", d.source],
        ["published", d.published],
        ["address", d.url ? (href ? el("a", { href: href, rel: "noopener noreferrer", target: "_blank" }, d.url) : String(d.url)) : null],
        ["reports", reports.length + " coded reports, highlighted below"],
      ]));
    const box = highlightedText(text, reports);
    const addArea = el("div", { class: "add-area" });
    const addButton = el("button", { type: "button", id: "add-event", disabled: true }, "Add an event from the selected text");
    const hint = el("span", { class: "muted" }, "Select the sentence that states an event the coder missed.");
    state.selection = { box: box, button: addButton };
    on(addButton, "click", () => {
      const span = selectionIn(box);
      if (!span) return;
      clear(addArea).appendChild(correctionForm("add", { doc_id: d.id, evidence: { start: span.start, end: span.end, text: text.slice(span.start, span.end) } }, addArea));
    });
    root.appendChild(el("div", { class: "actions" }, addButton, hint, tokenField()));
    root.appendChild(el("div", { class: "correction-status" }, takeFlash()));
    root.appendChild(addArea);
    root.appendChild(box);
    root.appendChild(el("h3", {}, "Reports in this document"));
    if (!reports.length) root.appendChild(el("p", { class: "muted" }, "The coder found no events here."));
    else {
      root.appendChild(el("table", { class: "grid doc-reports" },
        el("thead", {}, el("tr", {}, el("th", {}, "type"), el("th", {}, "actors"), el("th", {}, "targets"), el("th", {}, "evidence"), el("th", {}, "event"))),
        el("tbody", {}, reports.map((r) => el("tr", {},
          el("td", {}, r.type || "", provenanceBadge(r)),
          el("td", {}, list(r.actors)),
          el("td", {}, list(r.targets)),
          el("td", { class: "evidence" }, snippet(r.evidence && r.evidence.text !== undefined ? r.evidence.text
            : r.evidence ? text.slice(r.evidence.start, r.evidence.end) : "", 140)),
          el("td", {}, r.event_id ? eventLink(r.event_id, String(r.event_id).slice(0, 10)) : ""))))));
    }
    return root;
  }

  // ------------------------------------------------------------------------------------------ corrections

  function setToken(value) {
    try { sessionStorage.setItem(TOKEN_KEY, value); } catch (e) { /* storage may be off */ }
    for (const input of document.querySelectorAll("input.token-field, #token")) {
      if (input.value !== value) input.value = value;
    }
  }

  /** A token field beside the correction buttons (the drawer covers the one in the header), kept in
   * step with it and with sessionStorage. */
  function tokenField() {
    const input = el("input", { type: "password", class: "token-field", autocomplete: "off", size: 14,
      placeholder: "token", "aria-label": "token" });
    input.value = token();
    on(input, "input", () => setToken(input.value));
    return el("label", { class: "muted" }, "token ", input);
  }

  function token() {
    const field = $("token");
    let t = field ? field.value : "";
    if (!t) {
      try { t = sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { t = ""; }
    }
    return t.trim();
  }

  async function sendCorrection(body) {
    const t = token();
    if (!t) throw new Error("Type your token in the Token field at the top first: corrections need it.");
    try {
      return await api("api/corrections", null, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: "Bearer " + t },
        body: JSON.stringify(body),
      });
    } catch (e) {
      if (e.status === 404 && (!e.body || !e.body.detail || e.body.detail === "Not Found")) {
        throw new Error("Corrections are not available on this server yet (POST api/corrections answered 404).");
      }
      if (e.status === 405) throw new Error("This server does not take corrections (405: it is read-only).");
      if (e.status === 401 || e.status === 403) throw new Error("The server refused the token (" + e.status + "): " + e.message);
      throw e;
    }
  }

  function correctionControls(ev) {
    const area = el("div", { class: "correction-area" });
    const status = el("div", { class: "correction-status" }, takeFlash());
    const reportId = ev.report_id || (Array.isArray(ev.reports) && ev.reports[0] && ev.reports[0].report_id) || null;
    const base = { report_id: reportId, doc_id: ev.doc_id || null };
    const run = async (body, button) => {
      if (button) button.disabled = true;
      clear(status).appendChild(note("Saving…", "info"));
      try {
        const result = await sendCorrection(body);
        const done = body.action === "accept" ? "Accepted." : "Rejected.";
        clear(status).appendChild(note(done, "ok"));
        await afterCorrection(body, result, done);
      } catch (e) {
        clear(status).appendChild(note(e.message, "error"));
      } finally {
        if (button) button.disabled = false;
      }
    };
    const accept = el("button", { type: "button", class: "primary", "data-action": "accept" }, "Accept");
    const reject = el("button", { type: "button", class: "danger", "data-action": "reject" }, "Reject");
    const edit = el("button", { type: "button", "data-action": "edit" }, "Edit fields…");
    const form = el("div", { class: "edit-area" });
    on(accept, "click", () => run(Object.assign({ action: "accept" }, base), accept));
    on(reject, "click", () => run(Object.assign({ action: "reject" }, base), reject));
    on(edit, "click", () => {
      clear(form).appendChild(correctionForm("edit", Object.assign({}, base, { event: ev }), form, status));
    });
    const history = el("div", { class: "correction-history" });
    append(area, [el("div", { class: "actions" }, accept, reject, edit, tokenField()), form, status, history]);
    const ids = new Set([ev.report_id, ev.event_id].concat((ev.reports || []).map((r) => r.report_id)).filter(Boolean));
    if (ev.doc_id) loadCorrections(ev.doc_id, (c) => ids.has(c.applied_to) || ids.has(c.report_id), history);
    return area;
  }

  /** The corrections of a document that `keep` selects, as a table (nothing when there are none, or
   * when the server has no corrections yet). */
  async function loadCorrections(docId, keep, box) {
    let items;
    try {
      const got = await api("api/corrections", { doc_id: docId });
      items = (Array.isArray(got) ? got : (got && got.items) || []).filter(keep);
    } catch (e) {
      return;
    }
    if (!items.length || !document.body.contains(box)) return;
    const changes = (c) => (c.event && typeof c.event === "object"
      ? Object.entries(c.event).filter(([k]) => k !== "evidence").map(([k, v]) => k + " = " + (Array.isArray(v) ? v.join(", ") : v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : v)).join("; ")
      : "");
    append(clear(box), [el("h3", {}, "Corrections (" + items.length + ")"),
      el("table", { class: "grid corrections" },
        el("thead", {}, el("tr", {}, ["when", "action", "fields", "by", "note", "state"].map((h) => el("th", {}, h)))),
        el("tbody", {}, items.map((c) => el("tr", { "data-correction-id": c.id === undefined ? "" : c.id },
          el("td", { class: "code" }, String(c.created_at || "").slice(0, 19)),
          el("td", {}, c.action || ""),
          el("td", {}, changes(c)),
          el("td", {}, c.author || ""),
          el("td", {}, c.note || ""),
          el("td", {}, c.state || "")))))]);
  }

  const codes = (s) => String(s || "").split(/[\s,;]+/).map((x) => x.trim().toUpperCase()).filter(Boolean);

  /** The form to edit an event's fields ("edit") or to add one on a selected span ("add"). */
  function correctionForm(action, ctx, container, statusBox) {
    const ev = ctx.event || {};
    const status = statusBox || el("div", { class: "correction-status" });
    const field = (name, input) => [el("label", { for: "corr-" + name }, name), input];
    const text = (name, value) => el("input", { id: "corr-" + name, name: name, value: value || "" });
    const select = (name, options, value) => {
      const s = el("select", { id: "corr-" + name, name: name }, options.map((o) => el("option", { value: o }, o || "—")));
      s.value = value || "";
      return s;
    };
    const inputs = {
      type: select("type", (action === "add" ? [] : [""]).concat(TYPES), ev.type || (action === "add" ? "AGREE" : "")),
      mode: text("mode", ev.mode),
      actors: text("actors", list(ev.actors)),
      targets: text("targets", list(ev.targets)),
      date: text("date", ev.date),
      status: select("status", [""].concat(STATUSES), ev.status || (action === "add" ? "occurred" : "")),
      note: text("note", ""),
    };
    inputs.actors.setAttribute("placeholder", "codes, e.g. JPN, PHL");
    inputs.date.setAttribute("placeholder", "EDTF, e.g. 2024-04");
    const save = el("button", { type: "submit", class: "primary" }, action === "add" ? "Add event" : "Save changes");
    const cancel = el("button", { type: "button" }, "Cancel");
    const form = el("form", { class: "correction", "data-action": action },
      action === "add" ? [el("span", {}, "evidence"), el("span", { class: "quote" }, "“" + ctx.evidence.text + "” (" + ctx.evidence.start + "–" + ctx.evidence.end + ")")] : null,
      Object.entries(inputs).map(([k, input]) => field(k, input)),
      el("div", { class: "buttons" }, save, cancel));
    on(cancel, "click", () => clear(container));
    on(form, "submit", async (e) => {
      e.preventDefault();
      const fields = {};
      const value = (k) => inputs[k].value.trim();
      for (const k of ["type", "mode", "date", "status"]) {
        if (action === "add" ? value(k) : value(k) !== (ev[k] || "")) fields[k] = value(k) || null;
      }
      for (const k of ["actors", "targets"]) {
        const now = codes(value(k));
        if (action === "add" ? now.length : now.join(",") !== (ev[k] || []).join(",")) fields[k] = now;
      }
      const body = { action: action };
      if (ctx.report_id) body.report_id = ctx.report_id;
      if (ctx.doc_id) body.doc_id = ctx.doc_id;
      if (action === "add") fields.evidence = ctx.evidence;
      body.event = fields;
      if (value("note")) body.note = value("note");
      if (action === "edit" && !Object.keys(fields).length) {
        clear(status).appendChild(note("Nothing changed.", "info"));
        return;
      }
      if (action === "add" && (!fields.type || !fields.actors)) {
        clear(status).appendChild(note("An event needs a type and at least one actor.", "error"));
        return;
      }
      save.disabled = true;
      clear(status).appendChild(note("Saving…", "info"));
      try {
        const result = await sendCorrection(body);
        const done = action === "add" ? "Event added." : "Changes saved.";
        clear(status).appendChild(note(done, "ok"));
        await afterCorrection(body, result, done);
      } catch (err) {
        clear(status).appendChild(note(err.message, "error"));
      } finally {
        save.disabled = false;
      }
    });
    return statusBox ? form : el("div", {}, form, status);
  }

  // ------------------------------------------------------------------------------------------ start

  async function start() {
    setupForm();
    setupNetwork();
    setupZoom();
    setupDrawer();
    on(window, "popstate", render);
    on($("home"), "click", (e) => {
      e.preventDefault();
      history.pushState(null, "", location.pathname);
      render();
    });
    loadActors();
    await loadWindows();
    render();
    document.documentElement.setAttribute("data-ready", "true");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
