// Interactive network map for the groundswell offline HTML report.
//
// The report inlines this bundle in a <script> tag next to
//   <script id="gs-graph" type="application/json">{...}</script>
//   <div id="gs-map" style="height: 640px"></div>
// and this module builds the controls, the legend and the sigma.js renderer
// inside #gs-map. Nothing is fetched at run time.
//
// Data contract (written by the Python side):
//   nodes:     [{id, label, x, y, size in [0,1], attrs: {name: value}, ties?: [out, in]}]
//              (ties: the run's stored tie counts, shown in the tooltip instead of the
//              links drawn, which leave out people off the map)
//   edges:     [[source, target, weight], ...]   (directed source -> target)
//   colour_by: attribute names offered for colouring, the first is the default
//   directed:  whether to draw arrows
//
// Performance notes (5,000 nodes / 50,000 edges must stay fluid): positions are
// precomputed, edges and labels are hidden while the camera moves (a drag, a wheel
// zoom or an animation), nodes are drawn as GL points, the node under the pointer is
// not looked for during a drag, and every highlight is expressed through sigma's
// node/edge reducers, which sigma runs only on a refresh (one per state change,
// coalesced to one per frame), never per frame.
import Graph from "graphology";
import Sigma from "sigma";
import {
  EdgeArrowProgram,
  EdgeLineProgram,
  EdgeRectangleProgram,
  NodePointProgram,
} from "sigma/rendering";
import { CSS } from "./style.js";

const SUPPRESSED = "(suppressed)";
const MISSING = "(missing)";
// 30 distinguishable categorical colours, none of them grey (grey means suppressed): D3's
// category10, its light companions (category20) and 10 of category20b. The same list is in
// src/groundswell/charts.py (a test compares them). Beyond 30 groups, the smaller ones share
// the "(other)" colour.
export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79",
  "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
  "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#637939",
  "#7b4173", "#a55194", "#843c39", "#ad494a", "#8ca252",
  "#e7ba52", "#6b6ecf", "#d6616b", "#ce6dbd", "#b5cf6b",
];
const OTHER = "(other)";
const OTHER_COLOUR = "#c8b99a";
const SUPPRESSED_COLOUR = "#9e9e9e";
const MISSING_COLOUR = "#cfcfcf";
const DEFAULT_NODE_COLOUR = "#4e79a7";
// sigma's WebGL canvases hold premultiplied alpha: a translucent colour must have its
// red, green and blue already scaled by alpha, or it composites as (near) white.
function premultiplied(r, g, b, a) {
  return `rgba(${Math.round(r * a)},${Math.round(g * a)},${Math.round(b * a)},${a})`;
}
const EDGE_COLOUR = premultiplied(70, 78, 92, 0.14);
// Dimmed nodes are translucent so highlighted edges (drawn below nodes) show through.
const DIM_NODE_COLOUR = premultiplied(175, 180, 188, 0.3);
const EDGE_HIGHLIGHT_COLOUR = premultiplied(40, 44, 52, 0.8);
const MIN_RADIUS = 2;
const MAX_RADIUS = 12;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "style") node.style.cssText = value;
    else if (key.startsWith("aria-") || key.startsWith("data-") || key === "role" || key === "for")
      node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function injectStyle() {
  if (document.getElementById("gs-map-style")) return;
  const style = el("style", { id: "gs-map-style", text: CSS });
  document.head.append(style);
}

function finite(value, fallback) {
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

function valueOf(attrs, name) {
  const value = attrs ? attrs[name] : undefined;
  if (value === undefined || value === null || value === "") return MISSING;
  return String(value);
}

/**
 * Stable categorical colours. With `counts` (value -> people), the 30 largest groups get the
 * palette's colours, listed in natural order, and the others share "(other)"; without, the
 * first 30 values in natural order do. `order` lists the coloured values, `others` the rest;
 * `key(value)` is the legend entry a value falls under. (charts.category_colours in Python
 * follows the same rule for the printed map.)
 */
export function colourScale(values, counts = null) {
  const distinct = [...new Set(values)].filter((v) => v !== SUPPRESSED && v !== MISSING);
  let kept = distinct;
  if (counts && distinct.length > PALETTE.length) {
    kept = [...distinct]
      .sort((a, b) => (counts.get(b) || 0) - (counts.get(a) || 0) || collator.compare(a, b))
      .slice(0, PALETTE.length);
  }
  kept = [...kept].sort(collator.compare).slice(0, PALETTE.length);
  const keptSet = new Set(kept);
  const others = distinct.filter((v) => !keptSet.has(v)).sort(collator.compare);
  const colours = new Map();
  kept.forEach((value, i) => colours.set(value, PALETTE[i]));
  for (const value of others) colours.set(value, OTHER_COLOUR);
  colours.set(OTHER, OTHER_COLOUR);
  colours.set(SUPPRESSED, SUPPRESSED_COLOUR);
  colours.set(MISSING, MISSING_COLOUR);
  const key = (value) => (keptSet.has(value) || value === SUPPRESSED || value === MISSING ? value : OTHER);
  return { order: kept, others, colours, key };
}

/** Build the graphology graph from the JSON payload. */
export function buildGraph(data) {
  const directed = data.directed !== false;
  const graph = new Graph({ type: directed ? "directed" : "undirected", allowSelfLoops: false });
  const nodes = Array.isArray(data.nodes) ? data.nodes : [];
  const n = nodes.length;
  nodes.forEach((node, i) => {
    if (node == null || node.id == null) return;
    const id = String(node.id);
    if (graph.hasNode(id)) return;
    // Precomputed layout; a missing position falls back to a circle so nothing stacks up.
    const angle = (2 * Math.PI * i) / Math.max(n, 1);
    const size = Math.min(1, Math.max(0, finite(node.size, 0.2)));
    graph.addNode(id, {
      x: finite(node.x, Math.cos(angle)),
      y: finite(node.y, Math.sin(angle)),
      size: MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * size,
      label: node.label == null ? id : String(node.label),
      color: DEFAULT_NODE_COLOUR,
      attrs: node.attrs && typeof node.attrs === "object" ? node.attrs : {},
      ties: Array.isArray(node.ties) ? node.ties.map((v) => finite(v, 0)) : null,
    });
  });

  const edges = Array.isArray(data.edges) ? data.edges : [];
  let maxWeight = 0;
  for (const edge of edges) maxWeight = Math.max(maxWeight, finite(edge && edge[2], 1));
  const logMax = Math.log1p(maxWeight > 0 ? maxWeight : 1);
  for (const edge of edges) {
    if (!Array.isArray(edge)) continue;
    const source = String(edge[0]);
    const target = String(edge[1]);
    if (source === target || !graph.hasNode(source) || !graph.hasNode(target)) continue;
    const weight = finite(edge[2], 1);
    const existing = graph.edge(source, target);
    if (existing !== undefined) {
      graph.updateEdgeAttribute(existing, "weight", (w) => w + weight);
      continue;
    }
    graph.addEdge(source, target, {
      weight,
      // Thickness (pixels) used when the edge is highlighted; the overview draws 1px lines.
      size: 1 + 2 * (Math.log1p(Math.max(weight, 0)) / logMax),
    });
  }
  return graph;
}

function readPayload() {
  const script = document.getElementById("gs-graph");
  if (!script) throw new Error("no <script id=\"gs-graph\"> element with the graph data");
  return JSON.parse(script.textContent || "{}");
}

export function render(container, data) {
  const t0 = performance.now();
  injectStyle();
  const graph = buildGraph(data);
  const tGraph = performance.now();
  const directed = graph.type === "directed";
  const highlightEdgeType = directed ? "arrow" : "line";

  const colourBy = (Array.isArray(data.colour_by) ? data.colour_by : []).map(String);
  // words shown beside a legend value (the dashboard's community descriptions), by attribute
  const valueWords = data.value_words && typeof data.value_words === "object" ? data.value_words : {};
  const wordsFor = (attr, value) => {
    const table = valueWords[attr];
    const words = table && typeof table === "object" ? table[value] : null;
    return typeof words === "string" && words ? `${value} · ${words}` : String(value);
  };

  // ---------------------------------------------------------------- DOM
  container.classList.add("gs-map");
  container.replaceChildren();
  if (!container.hasAttribute("aria-label"))
    container.setAttribute("aria-label", "Interactive network map");
  container.setAttribute("role", "region");
  // The template sets the height; a div without one would collapse, so give it a default.
  // (Computed height still reads e.g. "640px" while a report tab hides the map.)
  if (!(parseFloat(getComputedStyle(container).height) >= 120)) container.style.height = "640px";

  const toolbar = el("div", { className: "gs-toolbar", role: "toolbar" });
  toolbar.setAttribute("aria-label", "Network map controls");

  const colourSelect = el("select", { id: "gs-colour", name: "gs-colour" });
  for (const name of colourBy) colourSelect.append(el("option", { value: name, text: name }));
  if (colourBy.length === 0) {
    colourSelect.append(el("option", { value: "", text: "(none)" }));
    colourSelect.disabled = true;
  }
  toolbar.append(
    el("label", { for: "gs-colour", className: "gs-field" }, ["Colour by ", colourSelect]),
  );

  const datalist = el("datalist", { id: "gs-search-options" });
  const searchInput = el("input", {
    id: "gs-search",
    type: "search",
    placeholder: "Find a person…",
    autocomplete: "off",
    spellcheck: false,
  });
  searchInput.setAttribute("list", "gs-search-options");
  const searchStatus = el("span", { className: "gs-status", role: "status" });
  toolbar.append(
    el("label", { for: "gs-search", className: "gs-field" }, ["Find ", searchInput]),
    datalist,
    searchStatus,
  );

  const summary = el("span", {
    className: "gs-summary",
    text: `${graph.order.toLocaleString("en")} people · ${graph.size.toLocaleString("en")} links`,
  });
  toolbar.append(summary);

  const stage = el("div", { className: "gs-stage" });
  const legend = el("div", { id: "gs-legend", className: "gs-legend" });
  legend.setAttribute("aria-label", "Legend");
  const zoomBox = el("div", { className: "gs-zoom", role: "group", "aria-label": "Zoom" });
  const zoomIn = el("button", { id: "gs-zoom-in", type: "button", text: "+", title: "Zoom in" });
  const zoomOut = el("button", { id: "gs-zoom-out", type: "button", text: "−", title: "Zoom out" });
  const zoomReset = el("button", {
    id: "gs-zoom-reset",
    type: "button",
    text: "⟲",
    title: "Reset view",
  });
  zoomIn.setAttribute("aria-label", "Zoom in");
  zoomOut.setAttribute("aria-label", "Zoom out");
  zoomReset.setAttribute("aria-label", "Reset view");
  zoomBox.append(zoomIn, zoomOut, zoomReset);
  const tooltip = el("div", { className: "gs-tooltip", role: "tooltip", hidden: true });
  const canvasHost = el("div", { className: "gs-canvas" });
  canvasHost.setAttribute(
    "aria-label",
    `Network diagram of ${graph.order} people and ${graph.size} links. ` +
      "Drag to pan, scroll to zoom, click a person to show their connections.",
  );
  canvasHost.setAttribute("role", "img");
  canvasHost.tabIndex = 0; // focusable, so Escape clears a selection from the keyboard
  stage.append(canvasHost, legend, zoomBox, tooltip);
  container.append(toolbar, stage);

  // ---------------------------------------------------------------- state
  const state = {
    colourAttr: colourBy[0] || null,
    hovered: null,
    selected: null,
    group: null, // legend value whose members are highlighted
    focusNodes: null, // Set of highlighted nodes (focus + neighbours), or null
    focusEdges: null, // Set of highlighted edges, or null
    found: null, // Set of the people a search matched (a department, part of an id), or null
  };

  function recomputeFocus() {
    const focus = state.hovered ?? state.selected;
    if (focus != null && graph.hasNode(focus)) {
      const nodes = new Set([focus]);
      const edges = new Set();
      graph.forEachEdge(focus, (edge, _a, source, target) => {
        edges.add(edge);
        nodes.add(source === focus ? target : source);
      });
      state.focusNodes = nodes;
      state.focusEdges = edges;
    } else if (state.group != null && state.colourAttr) {
      const nodes = new Set();
      graph.forEachNode((node, attrs) => {
        if (legendState.key(valueOf(attrs.attrs, state.colourAttr)) === state.group) nodes.add(node);
      });
      state.focusNodes = nodes;
      state.focusEdges = null; // edges: both ends in the group, decided in the reducer
    } else if (state.found != null) {
      state.focusNodes = state.found;
      state.focusEdges = null;
    } else {
      state.focusNodes = null;
      state.focusEdges = null;
    }
  }

  // One reducer pass per animation frame at most, however fast the mouse moves.
  let sigma = null; // created once the graph is coloured, below
  let camera = null;
  let refreshQueued = false;
  function queueRefresh() {
    if (refreshQueued || sigma === null) return;
    refreshQueued = true;
    requestAnimationFrame(() => {
      refreshQueued = false;
      recomputeFocus();
      sigma.refresh({ skipIndexation: true });
      placeTooltip();
    });
  }

  // ------------------------------------------------------------- colours
  const legendState = { values: [], key: (v) => v };
  function applyColour(attr) {
    state.colourAttr = attr || null;
    state.group = null;
    legend.replaceChildren();
    if (!state.colourAttr) {
      graph.updateEachNodeAttributes((_n, a) => ({ ...a, color: DEFAULT_NODE_COLOUR }), {
        attributes: ["color"],
      });
      legend.hidden = true;
      legendState.values = [];
      queueRefresh();
      return;
    }
    const counts = new Map();
    graph.forEachNode((_node, a) => {
      const v = valueOf(a.attrs, attr);
      counts.set(v, (counts.get(v) || 0) + 1);
    });
    const { order, others, colours, key } = colourScale(counts.keys(), counts);
    legendState.key = key;
    if (others.length) counts.set(OTHER, others.reduce((sum, v) => sum + counts.get(v), 0));
    graph.updateEachNodeAttributes(
      (_node, a) => {
        a.color = colours.get(valueOf(a.attrs, attr));
        return a;
      },
      { attributes: ["color"] },
    );
    const values = [...order];
    for (const special of [OTHER, SUPPRESSED, MISSING]) if (counts.has(special)) values.push(special);
    legendState.values = values;

    legend.hidden = false;
    legend.append(el("div", { className: "gs-legend-title", text: attr }));
    const list = el("ul", { className: "gs-legend-list" });
    for (const value of values) {
      const button = el(
        "button",
        {
          type: "button",
          className: "gs-legend-item",
          title: `Highlight ${attr} = ${value}`,
          "aria-pressed": "false",
        },
        [
          el("span", {
            className: "gs-swatch",
            style: `background:${colours.get(value)}`,
            "aria-hidden": "true",
          }),
          el("span", { className: "gs-legend-value", text: wordsFor(attr, value) }),
          el("span", { className: "gs-legend-count", text: String(counts.get(value)) }),
        ],
      );
      button.addEventListener("click", () => {
        const on = state.group !== value;
        state.found = null;
        state.group = on ? value : null;
        for (const b of list.querySelectorAll("button"))
          b.setAttribute("aria-pressed", String(on && b === button));
        queueRefresh();
      });
      list.append(el("li", { "data-value": value, "data-colour": colours.get(value) }, [button]));
    }
    legend.append(list);
    if (others.length) {
      legend.append(
        el("div", {
          className: "gs-legend-note",
          text: `${order.length + others.length} values: the ${others.length} smallest share "${OTHER}".`,
        }),
      );
    }
    queueRefresh();
  }
  colourSelect.addEventListener("change", () => applyColour(colourSelect.value));

  // Colour the nodes before sigma first indexes the graph: one processing pass, not two.
  if (colourBy.length) colourSelect.value = colourBy[0];
  applyColour(state.colourAttr);

  // --------------------------------------------------------------- sigma
  sigma = new Sigma(graph, canvasHost, {
    allowInvalidContainer: true,
    hideEdgesOnMove: true,
    hideLabelsOnMove: true,
    renderEdgeLabels: false,
    enableEdgeEvents: false,
    // Overview: 50,000 one-pixel GL lines are the cheapest thing to draw. Highlighted
    // edges switch (in the reducer) to thick anti-aliased lines, with arrows if directed.
    edgeProgramClasses: { fast: EdgeLineProgram, line: EdgeRectangleProgram, arrow: EdgeArrowProgram },
    defaultEdgeType: "fast",
    // Nodes as GL points (one vertex each, the disc cut out in the fragment shader) rather
    // than sigma's default instanced triangles: the same antialiased discs, at a fraction
    // of the cost where WebGL runs in software (5,000 nodes: ~17-33 ms frames instead of
    // ~130 ms in headless Chromium's SwiftShader). A point is at most the GPU's
    // ALIASED_POINT_SIZE_RANGE wide (255 px and more on desktop GPUs); the largest node
    // at the closest zoom is 240 px wide (480 on a 2x screen).
    nodeProgramClasses: { circle: NodePointProgram },
    minEdgeThickness: 1,
    defaultEdgeColor: EDGE_COLOUR,
    defaultNodeColor: DEFAULT_NODE_COLOUR,
    labelRenderedSizeThreshold: 9,
    labelDensity: 0.6,
    labelFont: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    labelSize: 11,
    zIndex: true,
    minCameraRatio: 0.01,
    maxCameraRatio: 10,
    stagePadding: 20,
    nodeReducer(node, data) {
      const nodes = state.focusNodes;
      if (nodes === null) return data;
      if (!nodes.has(node)) return { ...data, color: DIM_NODE_COLOUR, label: "", zIndex: 0 };
      const isFocus = node === (state.hovered ?? state.selected);
      return { ...data, zIndex: isFocus ? 2 : 1, forceLabel: isFocus, highlighted: isFocus };
    },
    edgeReducer(edge, data) {
      if (state.focusNodes === null) return data;
      let on;
      if (state.focusEdges !== null) on = state.focusEdges.has(edge);
      else on = state.focusNodes.has(graph.source(edge)) && state.focusNodes.has(graph.target(edge));
      if (!on) return { ...data, hidden: true };
      return { ...data, type: highlightEdgeType, color: EDGE_HIGHLIGHT_COLOUR, zIndex: 1 };
    },
  });
  camera = sigma.getCamera();

  // No hover picking while the mouse button is down (a drag): sigma looks for the node
  // under the pointer on every mouse move by reading a pixel back from the GPU, which
  // waits for the whole frame to be drawn (hundreds of ms with software WebGL), and a
  // node entered or left would then re-run the reducers over every tie. While dragging,
  // the node hovered when the button went down stays hovered; picking resumes on release
  // (clicks are picked after the release, so they are unaffected).
  const mouseCaptor = sigma.getMouseCaptor();
  const pickNode = sigma.getNodeAtPosition.bind(sigma);
  sigma.getNodeAtPosition = (position) =>
    mouseCaptor.isMouseDown ? (state.hovered ?? null) : pickNode(position);

  // ------------------------------------------------------------- tooltip
  function placeTooltip() {
    const node = state.hovered;
    if (node == null || !graph.hasNode(node)) {
      tooltip.hidden = true;
      return;
    }
    const display = sigma.getNodeDisplayData(node);
    if (!display) return;
    const p = sigma.framedGraphToViewport(display);
    const w = stage.clientWidth;
    const h = stage.clientHeight;
    tooltip.hidden = false;
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let left = p.x + 14;
    let top = p.y + 14;
    if (left + tw > w - 4) left = Math.max(4, p.x - tw - 14);
    if (top + th > h - 4) top = Math.max(4, p.y - th - 14);
    tooltip.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  }

  function fillTooltip(node) {
    const a = graph.getNodeAttributes(node);
    const rows = [el("div", { className: "gs-tooltip-title", text: a.label })];
    if (a.label !== node) rows.push(el("div", { className: "gs-tooltip-id", text: node }));
    const dl = el("dl");
    for (const [key, value] of Object.entries(a.attrs)) {
      dl.append(el("dt", { text: key }), el("dd", { text: value == null ? "" : String(value) }));
    }
    if (Array.isArray(a.ties)) {
      // the run's stored tie counts: the same figures as the person page and the tables
      dl.append(el("dt", { text: "ties out / in" }));
      dl.append(el("dd", { text: `${a.ties[0]} / ${a.ties[1]}` }));
    } else if (directed) {
      dl.append(el("dt", { text: "links out / in" }));
      dl.append(el("dd", { text: `${graph.outDegree(node)} / ${graph.inDegree(node)}` }));
    } else {
      dl.append(el("dt", { text: "links" }), el("dd", { text: String(graph.degree(node)) }));
    }
    rows.push(dl);
    tooltip.replaceChildren(...rows);
  }

  sigma.on("enterNode", ({ node }) => {
    state.hovered = node;
    fillTooltip(node);
    canvasHost.style.cursor = "pointer";
    queueRefresh();
  });
  sigma.on("leaveNode", () => {
    state.hovered = null;
    canvasHost.style.cursor = "";
    tooltip.hidden = true;
    queueRefresh();
  });
  // Keep the tooltip on its node while the camera moves: O(1) per frame.
  sigma.on("afterRender", () => {
    if (state.hovered != null) placeTooltip();
  });

  // ----------------------------------------------------------- selection
  function select(node) {
    state.selected = node;
    if (node != null) {
      state.group = null;
      state.found = null;
      for (const b of legend.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
    }
    queueRefresh();
  }
  sigma.on("clickNode", ({ node }) => select(node));
  sigma.on("clickStage", () => {
    state.group = null;
    state.found = null;
    for (const b of legend.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
    select(null);
  });
  container.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && e.target !== searchInput) {
      state.group = null;
      state.found = null;
      select(null);
    }
  });

  function focus(id) {
    if (id == null) return false;
    const node = String(id);
    if (!graph.hasNode(node)) return false;
    select(node);
    const display = sigma.getNodeDisplayData(node);
    if (display) {
      camera.animate(
        { x: display.x, y: display.y, ratio: Math.min(camera.ratio, 0.4) },
        { duration: 500 },
      );
    }
    return true;
  }

  // -------------------------------------------------------------- search
  const byLabel = new Map();
  const byLowerLabel = new Map();
  graph.forEachNode((node, a) => {
    if (!byLabel.has(a.label)) byLabel.set(a.label, node);
    const lower = a.label.toLowerCase();
    if (!byLowerLabel.has(lower)) byLowerLabel.set(lower, node);
  });
  const labels = [...byLabel.keys()].sort(collator.compare);
  const fragment = document.createDocumentFragment();
  for (const label of labels) fragment.append(el("option", { value: label }));
  datalist.append(fragment);

  function lookup(text) {
    const q = text.trim();
    if (!q) return null;
    if (byLabel.has(q)) return byLabel.get(q);
    if (graph.hasNode(q)) return q;
    return byLowerLabel.get(q.toLowerCase()) ?? null;
  }

  /**
   * What a search finds: one person (an exact id or label), else the people of a department
   * whose name contains the text, else the people whose id or label (a name, where names
   * are shown) contains it. Case is ignored. Returns {nodes, what}.
   */
  function find(text) {
    const q = text.trim().toLowerCase();
    if (!q) return { nodes: [], what: "" };
    const exact = lookup(text);
    if (exact != null) return { nodes: [exact], what: "person" };
    const departments = new Map();
    graph.forEachNode((node, a) => {
      const d = valueOf(a.attrs, "department");
      if (d === SUPPRESSED || d === MISSING || !d.toLowerCase().includes(q)) return;
      if (!departments.has(d)) departments.set(d, []);
      departments.get(d).push(node);
    });
    if (departments.size) {
      // the department named exactly, else the first in order
      const names = [...departments.keys()].sort(collator.compare);
      const name = names.find((d) => d.toLowerCase() === q) ?? names[0];
      return { nodes: departments.get(name), what: `department ${name}` };
    }
    const people = [];
    graph.forEachNode((node, a) => {
      if (node.toLowerCase().includes(q) || a.label.toLowerCase().includes(q)) people.push(node);
    });
    people.sort((a, b) => collator.compare(graph.getNodeAttribute(a, "label"), graph.getNodeAttribute(b, "label")));
    return { nodes: people, what: "people" };
  }

  /** Move the camera so that `nodes` fill the view (all of them, or every shown node). */
  function fit(nodes = null) {
    const list = nodes ?? graph.filterNodes((_n, a) => !a.hidden);
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const node of list) {
      const d = sigma.getNodeDisplayData(node);
      if (!d) continue;
      x0 = Math.min(x0, d.x);
      x1 = Math.max(x1, d.x);
      y0 = Math.min(y0, d.y);
      y1 = Math.max(y1, d.y);
    }
    if (!Number.isFinite(x0)) return false;
    // The box's size on screen at ratio 1 (sigma's own conversion, so the stage's aspect
    // and padding count), then the ratio at which it fills 85% of the stage's width or
    // height, whichever binds: a tall group on a wide stage fits its height.
    const whole = { x: 0.5, y: 0.5, ratio: 1, angle: camera.angle };
    const a = sigma.framedGraphToViewport({ x: x0, y: y0 }, { cameraState: whole });
    const b = sigma.framedGraphToViewport({ x: x1, y: y1 }, { cameraState: whole });
    const { width, height } = sigma.getDimensions();
    const need = Math.max(Math.abs(b.x - a.x) / width, Math.abs(b.y - a.y) / height) / 0.85;
    const ratio = Math.min(1, Math.max(0.03, need));
    camera.animate({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, ratio }, { duration: 400 });
    return true;
  }

  function runSearch(fromEnter) {
    const q = searchInput.value;
    const { nodes, what } = find(q);
    state.found = null;
    if (nodes.length === 1 && what === "person") {
      focus(nodes[0]);
      searchInput.removeAttribute("aria-invalid");
      searchStatus.textContent = "";
    } else if (nodes.length === 1) {
      focus(nodes[0]);
      searchInput.removeAttribute("aria-invalid");
      searchStatus.textContent = `1 match: ${graph.getNodeAttribute(nodes[0], "label")}`;
    } else if (nodes.length > 1 && (fromEnter || what !== "people")) {
      select(null);
      state.found = new Set(nodes);
      fit(nodes);
      queueRefresh();
      searchInput.removeAttribute("aria-invalid");
      searchStatus.textContent =
        what === "people" ? `${nodes.length} matches` : `${nodes.length} people in ${what}`;
    } else if (fromEnter && q.trim()) {
      searchInput.setAttribute("aria-invalid", "true");
      searchStatus.textContent = "No match";
      queueRefresh();
    } else {
      searchInput.removeAttribute("aria-invalid");
      searchStatus.textContent = "";
      queueRefresh();
    }
    return nodes;
  }
  searchInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      runSearch(true);
    } else if (e.key === "Escape") {
      searchInput.value = "";
      runSearch(false);
      select(null);
    }
  });
  // Picking an entry from the datalist fires "change"/"input" without an Enter key.
  searchInput.addEventListener("change", () => runSearch(false));

  // ---------------------------------------------------------------- zoom
  zoomIn.addEventListener("click", () => camera.animatedZoom({ duration: 250 }));
  zoomOut.addEventListener("click", () => camera.animatedUnzoom({ duration: 250 }));
  zoomReset.addEventListener("click", () => camera.animatedReset({ duration: 300 }));

  // A report may show the map in a tab that starts hidden: resize when it appears.
  if (typeof ResizeObserver !== "undefined") {
    let last = `${canvasHost.clientWidth}x${canvasHost.clientHeight}`;
    new ResizeObserver(() => {
      const now = `${canvasHost.clientWidth}x${canvasHost.clientHeight}`;
      if (now === last) return;
      last = now;
      sigma.resize();
      sigma.refresh();
    }).observe(canvasHost);
  }

  const tRender = performance.now();

  return {
    sigma,
    graph,
    focus,
    select,
    fit,
    search(text) {
      searchInput.value = text;
      return runSearch(true);
    },
    get highlighted() {
      return state.selected;
    },
    get hovered() {
      return state.hovered;
    },
    get colourBy() {
      return state.colourAttr;
    },
    get legend() {
      return [...legendState.values];
    },
    timings: { buildGraphMs: tGraph - t0, renderMs: tRender - tGraph, totalMs: tRender - t0 },
  };
}

function showError(container, message) {
  injectStyle();
  container.classList.add("gs-map");
  container.replaceChildren(
    el("p", {
      className: "gs-error",
      role: "alert",
      text: `The network map could not be drawn: ${message}`,
    }),
  );
}

function start() {
  const container = document.getElementById("gs-map");
  if (!container) return;
  const t0 = performance.now();
  try {
    const map = render(container, readPayload());
    map.ready = false;
    window.gsMap = map;
    // Ready once the first frame has been handed to the compositor.
    requestAnimationFrame(() => {
      map.timings.readyMs = performance.now() - t0;
      map.ready = true;
      container.dataset.ready = "true";
      container.dispatchEvent(new CustomEvent("gs-map-ready", { bubbles: true }));
    });
  } catch (error) {
    const message = String(error && error.message ? error.message : error);
    window.gsMap = { ready: false, error: message };
    showError(container, message);
    console.error(error);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
