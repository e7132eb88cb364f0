// The Trends page: one small SVG line chart per headline measure of the stored monthly
// snapshots, drawn from /api/runs/{id}/trends (the page holds
//   <div id="gs-trends" data-api="/api/runs/3/trends"></div>).
//
// For tests it publishes window.gsTrends: {ready, error, charts (how many drawn),
// points (points per chart)}.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 260;
const HEIGHT = 90;
const PAD = { left: 6, right: 6, top: 8, bottom: 18 };

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function show(value, kind) {
  if (value === null || value === undefined) return "–";
  if (kind === "share") return `${Math.round(value * 100)}%`;
  if (kind === "count") return Math.round(value).toLocaleString("en");
  return Number(value).toLocaleString("en", { maximumFractionDigits: 2 });
}

/** One chart: a polyline through the months with a value, first and last values labelled. */
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
  if (points.length >= 1) {
    const ys = points.map(([, v]) => v);
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const span = hi - lo || 1;
    const step = (WIDTH - PAD.left - PAD.right) / Math.max(periods.length - 1, 1);
    const x = (i) => PAD.left + i * step;
    const y = (v) => HEIGHT - PAD.bottom - ((HEIGHT - PAD.top - PAD.bottom) * (v - lo)) / span;
    box.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: HEIGHT - PAD.bottom,
      y2: HEIGHT - PAD.bottom, stroke: "#d1d5db" }));
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
    const first = svg("text", { x: PAD.left, y: HEIGHT - 4, "font-size": 10, fill: "#4b5563" });
    first.textContent = periods[0] || "";
    const last = svg("text", { x: WIDTH - PAD.right, y: HEIGHT - 4, "font-size": 10,
      fill: "#4b5563", "text-anchor": "end" });
    last.textContent = periods[periods.length - 1] || "";
    box.append(first, last);
  }
  const caption = document.createElement("figcaption");
  const lastValue = points.length ? points[points.length - 1][1] : null;
  caption.textContent = `${reading}: ${show(lastValue, kind)}`;
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
