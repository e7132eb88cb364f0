// The dashboard's network explorer: the report's map (./map.js) fed from the API.
//
// The explorer page holds
//   <div id="gs-explorer" data-api="/api/map?run=..." data-identities="true|false"></div>
//   <select id="gs-department"></select>   (filter by department)
//   <aside id="gs-ego"></aside>           (ego network panel; analysts and admins only)
// This module fetches the map from the API (same origin, the session cookie), draws it
// with the report's renderer (colour by attribute or community, legend, search, zoom),
// adds the department filter, and on a click (or a search) fetches
// /api/people/{id}/ego and draws the person's ego network in the side panel.
//
// The same bundle drives the champion planner page (./planner.js: window.gsPlanner) and the
// Trends page's charts (./trends.js: window.gsTrends).
//
// For tests and benchmarks it publishes window.gsDashboard: {ready, error, map,
// timings: {fetchMs, renderMs, readyMs, sinceNavigationMs}, filter(department),
// showEgo(id), ego: {id, ready, nodes, edges}}.
import Graph from "graphology";
import Sigma from "sigma";
import { colourScale, render } from "./map.js";
import { startPlanner } from "./planner.js";
import { startTables } from "./tables.js";
import { startTrends } from "./trends.js";

const MAX_CONTACTS_LISTED = 15;

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("data-") || key.startsWith("aria-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
    throw new Error("signed out");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || body.error || `HTTP ${response.status}`);
  return body;
}

function fmt(value, digits = 1) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
}

/** Hide every node outside `department` (all shown for an empty value). */
function filterDepartment(map, department) {
  let shown = 0;
  map.graph.updateEachNodeAttributes(
    (_node, a) => {
      a.hidden = Boolean(department) && a.attrs.department !== department;
      if (!a.hidden) shown += 1;
      return a;
    },
    { attributes: ["hidden"] },
  );
  map.select(null);
  map.sigma.refresh();
  map.fit(); // zoom to the people still shown
  return shown;
}

/** A community's number with its words ("1 · Operations") when the map's data has them. */
function communityText(state, community) {
  const words = (state.communityWords || {})[String(community)];
  return typeof words === "string" && words ? `${community} · ${words}` : String(community);
}

function egoPanel(panel, state) {
  let egoSigma = null;

  async function show(id, runId) {
    const token = (state.ego.token = (state.ego.token || 0) + 1);
    state.ego.ready = false;
    state.ego.id = id;
    panel.hidden = false;
    panel.replaceChildren(el("p", { text: "Loading…" }));
    let data;
    try {
      const run = runId == null ? "" : `?run=${encodeURIComponent(runId)}`;
      data = await getJSON(`/api/people/${encodeURIComponent(id)}/ego${run}`);
    } catch (error) {
      panel.replaceChildren(el("p", { className: "gs-error", role: "alert", text: String(error.message || error) }));
      state.ego.error = String(error.message || error);
      return;
    }
    if (token !== state.ego.token) return; // a newer click won
    const centre = data.nodes.find((n) => n.centre);
    const contacts = data.nodes.filter((n) => !n.centre);

    const graph = new Graph({ type: "directed", allowSelfLoops: false });
    const { colours } = colourScale(data.nodes.map((n) => n.community));
    graph.addNode(centre.id, { x: 0, y: 0, size: 12, label: centre.label, color: "#d62728" });
    contacts.forEach((n, i) => {
      const angle = (2 * Math.PI * i) / Math.max(contacts.length, 1);
      graph.addNode(n.id, {
        x: Math.cos(angle),
        y: Math.sin(angle),
        size: 4 + Math.min(6, Math.log1p(n.strength || 0)),
        label: n.label,
        color: colours.get(String(n.community)) || "#4e79a7",
      });
    });
    for (const [s, t, w] of data.edges) {
      if (s === t || !graph.hasNode(s) || !graph.hasNode(t) || graph.hasEdge(s, t)) continue;
      const touchesCentre = s === centre.id || t === centre.id;
      graph.addEdge(s, t, {
        weight: w,
        size: touchesCentre ? 1.5 : 0.5,
        color: touchesCentre ? "rgba(40,44,52,0.7)" : "rgba(120,126,136,0.25)",
      });
    }

    const host = el("div", { className: "gs-ego-graph", "aria-label": `Ego network of ${centre.label}` });
    const list = el("ol");
    for (const n of contacts.slice(0, MAX_CONTACTS_LISTED)) {
      const link = el("a", { href: `/people/${encodeURIComponent(n.id)}`, text: n.label });
      list.append(el("li", {}, [link, ` · ${n.department} · tie ${fmt(n.strength)}`]));
    }
    const dl = el("dl", {}, [
      el("dt", { text: "ties out / in" }),
      el("dd", { text: `${data.out_ties} / ${data.in_ties}` }),
      el("dt", { text: "contacts" }),
      el("dd", { text: String(contacts.length) }),
      el("dt", { text: "ties among contacts" }),
      el("dd", { text: String(data.edges.length - data.out_ties - data.in_ties) }),
      el("dt", { text: "department" }),
      el("dd", { text: centre.department }),
      el("dt", { text: "community" }),
      el("dd", { id: "gs-ego-community", text: communityText(state, centre.community) }),
    ]);
    const close = el("button", { type: "button", text: "Close", id: "gs-ego-close" });
    close.addEventListener("click", () => {
      panel.hidden = true;
      state.ego.id = null;
    });
    panel.replaceChildren(
      el("h2", { id: "gs-ego-title", text: centre.label }),
      el("p", {}, [el("a", { href: `/people/${encodeURIComponent(centre.id)}`, text: "Open the person page" })]),
      host,
      dl,
      el("h3", { text: `Strongest contacts (${Math.min(contacts.length, MAX_CONTACTS_LISTED)} of ${contacts.length})` }),
      list,
      close,
    );
    if (egoSigma) egoSigma.kill();
    egoSigma = new Sigma(graph, host, {
      allowInvalidContainer: true,
      renderEdgeLabels: false,
      labelRenderedSizeThreshold: 10,
      stagePadding: 16,
    });
    state.ego.sigma = egoSigma;
    state.ego.nodes = graph.order;
    state.ego.edges = graph.size;
    state.ego.error = null;
    requestAnimationFrame(() => {
      state.ego.ready = true;
      panel.dispatchEvent(new CustomEvent("gs-ego-ready", { bubbles: true }));
    });
  }

  return { show };
}

async function start() {
  const container = document.getElementById("gs-explorer");
  if (!container) return;
  const t0 = performance.now();
  const state = { ready: false, error: null, ego: { id: null, ready: false } };
  window.gsDashboard = state;
  const status = document.getElementById("gs-explorer-status");
  try {
    const data = await getJSON(container.dataset.api || "/api/map");
    const tFetched = performance.now();
    const map = render(container, data);
    state.map = map;
    state.runId = data.run_id;
    // a community's words (the departments it draws on), as the map's legend shows them
    const words = data.value_words && data.value_words.community;
    state.communityWords = words && typeof words === "object" ? words : {};
    const identities = data.identities === true;

    // department filter
    const select = document.getElementById("gs-department");
    if (select) {
      for (const d of data.departments || []) select.append(el("option", { value: d, text: d }));
      select.addEventListener("change", () => {
        const shown = filterDepartment(map, select.value);
        if (status) status.textContent = select.value ? `${shown} people shown` : "";
      });
    }
    state.filter = (department) => {
      if (select) select.value = department || "";
      return filterDepartment(map, department);
    };

    const panel = document.getElementById("gs-ego");
    const search = container.querySelector("#gs-search");
    if (!identities || !panel) {
      // anonymous map: nobody to search for, no ego networks
      if (search) search.closest("label").style.display = "none";
    } else {
      const ego = egoPanel(panel, state);
      state.showEgo = (id) => ego.show(id, data.run_id);
      map.sigma.on("clickNode", ({ node }) => ego.show(node, data.run_id));
      // a search that finds someone (Enter or a pick from the list) opens their ego network
      const afterSearch = () =>
        setTimeout(() => {
          const id = map.highlighted;
          if (id != null && id !== state.ego.id) ego.show(id, data.run_id);
        }, 0);
      search.addEventListener("keydown", (e) => {
        if (e.key === "Enter") afterSearch();
      });
      search.addEventListener("change", afterSearch);
    }

    requestAnimationFrame(() => {
      state.timings = {
        fetchMs: tFetched - t0,
        renderMs: map.timings.totalMs,
        readyMs: performance.now() - t0,
        // from the start of the navigation (performance.timeOrigin) to the first drawn frame
        sinceNavigationMs: performance.now(),
      };
      state.ready = true;
      container.dataset.ready = "true";
    });
  } catch (error) {
    state.error = String(error && error.message ? error.message : error);
    container.replaceChildren(
      el("p", { className: "gs-error", role: "alert", text: `The map could not be drawn: ${state.error}` }),
    );
    console.error(error);
  }
}

function startPage() {
  startTables();
  start();
  startPlanner();
  startTrends();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startPage);
else startPage();
