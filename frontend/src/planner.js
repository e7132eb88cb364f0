// The champion planner page (/planner): choose the plan's parameters, start it with
// POST /api/plans (the session's CSRF token in X-CSRF-Token), poll
// GET /api/plans/jobs/{id} for progress, then draw GET /api/plans/{plan_id}: reach of the
// plan against the baselines (with 95% intervals), the adoption curves (an SVG chart drawn
// here), coverage by department, the champions and how many champions are enough.
//
// The page holds <div id="gs-planner" data-run="..." data-people="true|false"> with the
// form (#gs-plan-form), a status line (#gs-plan-status), a progress list (#gs-plan-log),
// the result (#gs-plan-result) and the stored plans (buttons with data-plan="ID").
// For tests and benchmarks it publishes window.gsPlanner: {job, plan, ready, error, show(id)}.

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 300;
const STRATEGY_COLOURS = {
  plan: "#d62728",
  top_down: "#1f77b4",
  most_connected: "#2ca02c",
  random: "#7f7f7f",
};

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

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function call(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", ...(options.headers || {}) },
  });
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
    throw new Error("signed out");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail ? String(body.detail) : body.error || `HTTP ${response.status}`);
  return body;
}

const num = (v, digits = 1) =>
  v === null || v === undefined ? "–" : Number(v).toLocaleString("en", { maximumFractionDigits: digits });
const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);

function table(id, caption, head, rows) {
  const t = el("table", { className: "gs-table", id });
  if (caption) t.append(el("caption", { text: caption }));
  t.append(el("thead", {}, [el("tr", {}, head.map((h) => el("th", { text: h })))]));
  const body = el("tbody");
  for (const row of rows) {
    body.append(
      el(
        "tr",
        {},
        row.map((cell) =>
          cell instanceof Node
            ? el("td", {}, [cell])
            : typeof cell === "number"
              ? el("td", { className: "n", text: num(cell, 2) })
              : el("td", { text: cell ?? "–" }),
        ),
      ),
    );
  }
  t.append(body);
  return t;
}

// -- the adoption-curve chart --------------------------------------------------------------
/** Cumulative adopters per cascade step for each strategy: a line for the mean and a band
 * for its 95% interval. Returns the <svg>. */
export function curveChart(plan, { width = 700, height = 300 } = {}) {
  const pad = { left: 52, right: 180, top: 14, bottom: 38 };
  const names = plan.strategies.map((s) => s.strategy);
  let maxStep = 1;
  let maxY = 1;
  for (const name of names) {
    const c = plan.curves[name];
    maxStep = Math.max(maxStep, c.step[c.step.length - 1] || 0);
    maxY = Math.max(maxY, ...c.high);
  }
  const x = (s) => pad.left + ((width - pad.left - pad.right) * s) / maxStep;
  const y = (v) => height - pad.bottom - ((height - pad.top - pad.bottom) * v) / maxY;
  const root = svg("svg", {
    id: "gs-plan-curves",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": "Adoption curves: people reached at each step of the cascade, per strategy",
  });
  // axes, with ticks
  const axis = svg("g", { stroke: "#57606a", "font-size": 11, fill: "#57606a" });
  axis.append(svg("line", { x1: pad.left, y1: y(0), x2: width - pad.right, y2: y(0) }));
  axis.append(svg("line", { x1: pad.left, y1: y(0), x2: pad.left, y2: pad.top }));
  for (let i = 0; i <= 4; i += 1) {
    const v = (maxY * i) / 4;
    axis.append(svg("line", { x1: pad.left - 4, y1: y(v), x2: pad.left, y2: y(v) }));
    axis.append(svg("text", { x: pad.left - 7, y: y(v) + 4, "text-anchor": "end", stroke: "none" }, num(v, 0)));
  }
  const stepTicks = Math.min(maxStep, 10);
  for (let i = 0; i <= stepTicks; i += 1) {
    const s = Math.round((maxStep * i) / stepTicks);
    axis.append(svg("line", { x1: x(s), y1: y(0), x2: x(s), y2: y(0) + 4 }));
    axis.append(svg("text", { x: x(s), y: y(0) + 16, "text-anchor": "middle", stroke: "none" }, String(s)));
  }
  axis.append(
    svg("text", { x: (pad.left + width - pad.right) / 2, y: height - 4, "text-anchor": "middle", stroke: "none" }, "cascade step"),
  );
  axis.append(
    svg("text", { x: 12, y: pad.top + 60, transform: `rotate(-90 12 ${pad.top + 60})`, "text-anchor": "middle", stroke: "none" }, "people reached"),
  );
  root.append(axis);
  names.forEach((name, i) => {
    const c = plan.curves[name];
    const colour = STRATEGY_COLOURS[name] || "#333";
    const upper = c.step.map((s, j) => `${x(s).toFixed(1)},${y(c.high[j]).toFixed(1)}`);
    const lower = c.step.map((s, j) => `${x(s).toFixed(1)},${y(c.low[j]).toFixed(1)}`).reverse();
    root.append(svg("polygon", { points: [...upper, ...lower].join(" "), fill: colour, "fill-opacity": 0.15, stroke: "none" }));
    root.append(
      svg("polyline", {
        points: c.step.map((s, j) => `${x(s).toFixed(1)},${y(c.adopted[j]).toFixed(1)}`).join(" "),
        fill: "none",
        stroke: colour,
        "stroke-width": name === "plan" ? 2.5 : 1.5,
        "data-strategy": name,
      }),
    );
    const ly = pad.top + 10 + i * 18;
    root.append(svg("line", { x1: width - pad.right + 12, y1: ly, x2: width - pad.right + 32, y2: ly, stroke: colour, "stroke-width": 2.5 }));
    root.append(svg("text", { x: width - pad.right + 38, y: ly + 4, "font-size": 12, fill: "#1f2328" }, plan.strategies[i].what));
  });
  return root;
}

/** Reach of each strategy as bars with their 95% interval as whiskers. */
function reachChart(plan, { width = 640, barHeight = 22 } = {}) {
  const pad = { left: 150, right: 60, top: 6 };
  const height = pad.top + plan.strategies.length * (barHeight + 8) + 6;
  const max = Math.max(1, ...plan.strategies.map((s) => s.high));
  const x = (v) => pad.left + ((width - pad.left - pad.right) * v) / max;
  const root = svg("svg", { id: "gs-plan-reach", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "Reach of each strategy with its 95% interval" });
  plan.strategies.forEach((s, i) => {
    const top = pad.top + i * (barHeight + 8);
    const colour = STRATEGY_COLOURS[s.strategy] || "#333";
    root.append(svg("text", { x: pad.left - 8, y: top + barHeight / 2 + 4, "text-anchor": "end", "font-size": 12 }, s.what));
    root.append(svg("rect", { x: pad.left, y: top, width: Math.max(0, x(s.reach) - pad.left), height: barHeight, fill: colour, "fill-opacity": 0.75 }));
    const mid = top + barHeight / 2;
    root.append(svg("line", { x1: x(s.low), y1: mid, x2: x(s.high), y2: mid, stroke: "#1f2328" }));
    for (const v of [s.low, s.high]) root.append(svg("line", { x1: x(v), y1: mid - 5, x2: x(v), y2: mid + 5, stroke: "#1f2328" }));
    root.append(svg("text", { x: x(s.high) + 6, y: mid + 4, "font-size": 12 }, num(s.reach)));
  });
  return root;
}

// -- the plan ------------------------------------------------------------------------------
function personCell(c, linkPeople) {
  if (!linkPeople) return c.label;
  return el("a", { href: `/people/${encodeURIComponent(c.person_id)}`, text: c.label });
}

function drawPlan(host, plan, linkPeople) {
  const p = plan.params;
  const byName = Object.fromEntries(plan.strategies.map((s) => [s.strategy, s]));
  const best = plan.strategies.filter((s) => s.strategy !== "plan").reduce((a, b) => (b.reach > a.reach ? b : a), { reach: 0 });
  const lift = best.reach > 0 && byName.plan ? byName.plan.reach / best.reach : null;
  const quota = p.quota_by ? `, quota ${p.quota.replaceAll("_", " ")} per ${p.quota_by}` : "";
  const children = [
    el("h2", { id: "gs-plan-title", text: `Plan ${plan.plan_id} (run ${plan.run_id})` }),
    el("p", {
      text:
        `${p.k} champions among ${num(plan.people, 0)} people; ${p.model.toUpperCase()} model, ` +
        `${p.rule.replaceAll("_", " ")} probabilities${p.rule === "weighted_cascade" ? "" : ` (p = ${p.p})`}` +
        `${quota}; ${num(p.runs, 0)} cascades per strategy, seed ${p.seed}. ` +
        `Certified to reach at least ${pct(plan.approximation)} of the best possible (${num(plan.rr_sets, 0)} RR sets, ` +
        `${num(plan.select_seconds, 2)} s).`,
    }),
  ];
  if (lift !== null) {
    children.push(
      el("p", {
        className: "gs-reading",
        text: `Reading: the plan reaches ${num(byName.plan.reach)} people on average, ${num(lift, 2)}× the best baseline (${best.what}).`,
      }),
    );
  }
  children.push(
    el("h3", { text: "Reach against the baselines" }),
    reachChart(plan),
    table(
      "gs-plan-strategies",
      null,
      ["Strategy", "Reach (people)", "95% interval", "Share of the organisation", "Departments left untouched"],
      plan.strategies.map((s) => [s.what, s.reach, `${num(s.low)} – ${num(s.high)}`, pct(s.share), (s.untouched || []).join(", ") || "none"]),
    ),
    el("h3", { text: "Adoption curves" }),
    el("p", { className: "gs-reading", text: "Reading: people reached after each step of the cascade; the bands are 95% intervals." }),
    curveChart(plan),
    el("h3", { text: "The champions" }),
    table(
      "gs-plan-champions",
      null,
      ["#", "Person", "Department", "Level", "Estimated gain", "Why"],
      plan.champions.plan.map((c) => [c.rank, personCell(c, linkPeople), c.department, c.level, c.gain === null ? "–" : num(c.gain, 2), c.reason]),
    ),
  );
  const names = plan.strategies.map((s) => s.strategy);
  children.push(
    el("h3", { text: "Coverage by department" }),
    table(
      "gs-plan-coverage",
      `Share of each department reached (departments under ${plan.min_group_size} people are merged and suppressed)`,
      ["Department", "People", ...plan.strategies.map((s) => s.what)],
      plan.coverage.groups.map((g) => [g.group, g.size, ...names.map((n) => pct(g.share[n]))]),
    ),
    el("h3", { text: "How many champions are enough" }),
    table(
      "gs-plan-by-k",
      null,
      ["Champions", "Share seeded", "Reach (simulated)", "95% interval", "Share reached"],
      plan.reach_by_k.map((r) => [r.k, pct(r.share_seeded), r.simulated_reach, `${num(r.ci_low)} – ${num(r.ci_high)}`, pct(r.share_reached)]),
    ),
  );
  const baselines = el("details", {}, [el("summary", { text: "The baselines' picks" })]);
  for (const name of names.filter((n) => n !== "plan")) {
    baselines.append(
      table(
        `gs-plan-${name}`,
        byName[name].what,
        ["#", "Person", "Department", "Level", "Why"],
        plan.champions[name].map((c) => [c.rank, personCell(c, linkPeople), c.department, c.level, c.reason]),
      ),
    );
  }
  children.push(baselines, el("p", { className: "gs-json" }, ["This plan as JSON: ", el("a", { href: `/api/plans/${plan.plan_id}`, text: `/api/plans/${plan.plan_id}` })]));
  host.replaceChildren(...children);
  host.hidden = false;
}

// -- the people picker (include / exclude) ---------------------------------------------------
function peoplePicker(input, list, datalist, runId) {
  const chosen = new Map(); // identifier -> label
  let timer = null;
  let latest = 0;
  const render = () => {
    list.replaceChildren(
      ...[...chosen.entries()].map(([id, label]) => {
        const remove = el("button", { type: "button", text: "×", "aria-label": `Remove ${label}` });
        remove.addEventListener("click", () => {
          chosen.delete(id);
          render();
        });
        return el("li", { "data-id": id }, [label, " ", remove]);
      }),
    );
  };
  const add = (value) => {
    const id = value.trim();
    if (!id) return;
    const option = [...datalist.options].find((o) => o.value === id);
    chosen.set(id, option && option.label ? `${option.label} (${id})` : id);
    input.value = "";
    render();
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if ([...datalist.options].some((o) => o.value === text)) {
      add(text); // picked from the suggestions
      return;
    }
    if (text.length < 2) return;
    timer = setTimeout(async () => {
      const ticket = (latest += 1);
      const run = runId ? `&run=${encodeURIComponent(runId)}` : "";
      try {
        const data = await call(`/api/people?limit=8&q=${encodeURIComponent(text)}${run}`);
        if (ticket !== latest) return;
        datalist.replaceChildren(
          ...data.people.map((p) => el("option", { value: p.person_id, label: `${p.display_name || p.person_id} · ${p.department}` })),
        );
      } catch {
        // suggestions are a convenience: identifiers can still be typed
      }
    }, 200);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      add(input.value);
    }
  });
  return { values: () => [...chosen.keys()], add };
}

// -- the page -----------------------------------------------------------------------------
export function startPlanner() {
  const root = document.getElementById("gs-planner");
  if (!root) return;
  const form = document.getElementById("gs-plan-form");
  const status = document.getElementById("gs-plan-status");
  const log = document.getElementById("gs-plan-log");
  const result = document.getElementById("gs-plan-result");
  const button = form.querySelector("button[type=submit]");
  const runId = root.dataset.run || null;
  const linkPeople = root.dataset.people === "true";
  const state = { job: null, plan: null, ready: false, error: null };
  window.gsPlanner = state;

  const datalist = document.getElementById("gs-people-list");
  const include = peoplePicker(document.getElementById("gs-include-search"), document.getElementById("gs-include"), datalist, runId);
  const exclude = peoplePicker(document.getElementById("gs-exclude-search"), document.getElementById("gs-exclude"), datalist, runId);
  const rule = form.elements.rule;
  const pRow = document.getElementById("gs-p");
  const quotaBy = form.elements.quota_by;
  const syncVisibility = () => {
    pRow.disabled = rule.value === "weighted_cascade";
    form.elements.quota.disabled = !quotaBy.value;
  };
  rule.addEventListener("change", syncVisibility);
  quotaBy.addEventListener("change", syncVisibility);
  syncVisibility();

  async function show(planId) {
    state.ready = false;
    status.textContent = `Loading plan ${planId}…`;
    try {
      state.plan = await call(`/api/plans/${encodeURIComponent(planId)}`);
      drawPlan(result, state.plan, linkPeople);
      status.textContent = `Plan ${planId}.`;
      state.error = null;
    } catch (error) {
      state.error = String(error.message || error);
      status.textContent = `The plan could not be shown: ${state.error}`;
    }
    state.ready = true;
  }
  state.show = show;

  async function poll(jobId) {
    for (;;) {
      const job = await call(`/api/plans/jobs/${encodeURIComponent(jobId)}`);
      state.job = job;
      log.replaceChildren(...job.progress.map((line) => el("li", { text: line })));
      if (job.status === "done") return job;
      if (job.status === "failed") throw new Error(job.error ? job.error.detail : "the plan failed");
      status.textContent = `Computing the plan… ${job.seconds.toFixed(1)} s`;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const body = {
      k: Number.parseInt(f.k.value, 10),
      model: f.model.value,
      rule: f.rule.value,
      p: Number.parseFloat(f.p.value),
      quota_by: f.quota_by.value || null,
      quota: f.quota.value,
      include: include.values(),
      exclude: exclude.values(),
      runs: Number.parseInt(f.runs.value, 10),
    };
    if (f.seed.value !== "") body.seed = Number.parseInt(f.seed.value, 10);
    if (runId) body.run_id = Number.parseInt(runId, 10);
    state.ready = false;
    state.error = null;
    state.plan = null;
    button.disabled = true;
    log.replaceChildren();
    status.className = "";
    status.textContent = "Starting…";
    try {
      const job = await call("/api/plans", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(body),
      });
      state.job = job;
      const done = await poll(job.job_id);
      await show(done.plan_id);
      status.textContent = `Plan ${done.plan_id} computed in ${done.seconds.toFixed(1)} s and stored.`;
    } catch (error) {
      state.error = String(error.message || error);
      status.textContent = `No plan: ${state.error}`;
      status.className = "gs-error";
      state.ready = true;
    } finally {
      button.disabled = false;
    }
  });

  for (const b of document.querySelectorAll("button[data-plan]")) {
    b.addEventListener("click", () => show(b.dataset.plan));
  }
}
