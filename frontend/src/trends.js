// The Trends page: one small SVG line chart per headline measure of the stored monthly
// snapshots, drawn from /api/runs/{id}/trends (the page holds
//   <div id="gs-trends" data-api="/api/runs/3/trends"></div>).
//
// For tests it publishes window.gsTrends: {ready, error, charts (how many drawn),
// points (points per chart)}.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 300;
const HEIGHT = 150;
const PAD = { left: 50, right: 10, top: 10, bottom: 34 };

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function text(x, y, content, attrs = {}) {
  const node = svg("text", { x, y, "font-size": 10, fill: "#4b5563", ...attrs });
  node.textContent = content;
  return node;
}

function show(value, kind) {
  if (value === null || value === undefined) return "–";
  if (kind === "share") return `${Math.round(value * 100)}%`;
  if (kind === "count") return Math.round(value).toLocaleString("en");
  return Number(value).toLocaleString("en", { maximumFractionDigits: 2 });
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (charts.nice_top). */
export function niceTop(value) {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value * (1 - 1e-12)) return step * power;
  return 10 * power;
}

const UNITS = { share: "percent", count: "count", number: "value" };

/**
 * One chart with a title and both axes: the y-axis from zero (or below, for a negative value)
 * to a round number above the highest value (a share: to 100% once it passes 50%), ticks at
 * the ends and the middle, the first, middle and last month under the x-axis.
 */
function chart(key, reading, kind, periods, values) {
  const figure = document.createElement("figure");
  figure.className = "gs-trend";
  figure.dataset.measure = key;
  const points = values
    .map((v, i) => [i, v])
    .filter(([, v]) => v !== null && v !== undefined && Number.isFinite(v));
  const box = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: "img",
    "aria-label": `${reading}, ${periods[0] || ""} to ${periods[periods.length - 1] || ""}`,
  });
  const ys = points.map(([, v]) => v);
  const lo = Math.min(0, ...ys);
  let hi = niceTop(Math.max(0, ...ys));
  if (kind === "share" && hi > 0.5) hi = 1;
  const span = hi - lo || 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = plotW / Math.max(periods.length - 1, 1);
  const x = (i) => PAD.left + i * step;
  const y = (v) => PAD.top + plotH * (1 - (v - lo) / span);
  for (const t of [lo, lo + span / 2, hi]) {
    box.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(t), y2: y(t), stroke: "#e5e7eb" }));
    box.append(text(PAD.left - 5, y(t) + 3.5, show(t, kind), { "text-anchor": "end", class: "gs-tick" }));
  }
  box.append(svg("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH, stroke: "#9ca3af" }));
  box.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH,
    y2: PAD.top + plotH, stroke: "#9ca3af" }));
  box.append(text(10, PAD.top + plotH / 2, UNITS[kind] || "value", {
    "text-anchor": "middle", transform: `rotate(-90 10 ${PAD.top + plotH / 2})` }));
  box.append(text(PAD.left + plotW / 2, HEIGHT - 3, "month", { "text-anchor": "middle" }));
  const n = periods.length;
  const picks = n > 2 ? [...new Set([0, Math.floor((n - 1) / 2), n - 1])] : [...Array(n).keys()];
  for (const i of picks) {
    const anchor = i === 0 && n > 1 ? "start" : i === n - 1 && n > 1 ? "end" : "middle";
    box.append(text(x(i), PAD.top + plotH + 13, periods[i] || "", { "text-anchor": anchor }));
  }
  if (points.length >= 1) {
    box.append(svg("polyline", {
      points: points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
      fill: "none", stroke: "#2563eb", "stroke-width": 2, "stroke-linejoin": "round",
    }));
    for (const [i, v] of points) {
      const dot = svg("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, fill: "#2563eb" });
      const title = svg("title");
      title.textContent = `${periods[i]}: ${show(v, kind)}`;
      dot.append(title);
      box.append(dot);
    }
  }
  const caption = document.createElement("figcaption");
  const lastValue = points.length ? points[points.length - 1][1] : null;
  caption.textContent = `${reading}: ${show(lastValue, kind)} in the latest month`;
  figure.append(caption, box);
  return { figure, points: points.length };
}

export async function startTrends() {
  const root = document.getElementById("gs-trends");
  if (!root) return;
  const state = { ready: false, error: null, charts: 0, points: [] };
  window.gsTrends = state;
  try {
    const response = await fetch(root.dataset.api, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || data.error || `HTTP ${response.status}`);
    if (data.problem) throw new Error(data.problem);
    for (const [key, { reading, kind }] of Object.entries(data.measures)) {
      const values = data.series[key];
      if (!values) continue;
      const drawn = chart(key, reading, kind, data.periods, values);
      root.append(drawn.figure);
      state.charts += 1;
      state.points.push(drawn.points);
    }
    state.ready = true;
  } catch (error) {
    state.error = String(error && error.message ? error.message : error);
    const p = document.createElement("p");
    p.className = "gs-error";
    p.setAttribute("role", "alert");
    p.textContent = `The trends could not be drawn: ${state.error}`;
    root.replaceChildren(p);
  }
}
