// The jobs page: start jobs, watch their progress, cancel them (groundswell.web.jobs).
// Plain script (no bundle): nothing inline, the CSRF token comes from the page's <meta>.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const message = $("gs-job-message");

  async function send(url, body, isForm) {
    const headers = { "X-CSRF-Token": csrf() };
    if (!isForm) headers["Content-Type"] = "application/json";
    const r = await fetch(url, {
      method: "POST", headers, credentials: "same-origin",
      body: isForm ? body : JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail ? String(data.detail) : "the server answered " + r.status);
    return data;
  }

  function hook(id, make, url, isForm) {
    const form = $(id);
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        await send(url, make(form), isForm);
        if (isForm) form.reset();
        refresh();
      } catch (err) {
        message.textContent = err.message;
      } finally {
        button.disabled = false;
      }
    });
  }

  hook("gs-job-ingest", (f) => new FormData(f), "/api/jobs/ingest", true);
  hook("gs-job-analyze", (f) => ({ kind: "analyze", window: f.window.value.trim() }), "/api/jobs", false);
  hook("gs-job-champions", (f) => ({ kind: "champions", k: Number(f.k.value), runs: Number(f.runs.value) }), "/api/jobs", false);
  hook("gs-job-close", (f) => ({ kind: "close_survey", survey: Number(f.survey.value) }), "/api/jobs", false);

  function what(job) {
    const p = job.params || {};
    if (job.kind === "ingest") return "ingest " + p.source + ": " + p.file;
    if (job.kind === "analyze") return "analyze " + (p.window || "(last days of data)");
    if (job.kind === "champions") return "champions k=" + p.k;
    if (job.kind === "close_survey") return "close survey " + p.survey;
    return job.kind;
  }

  function cell(row, text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    if (text instanceof Node) td.appendChild(text); else td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function result(job) {
    if (job.error) return job.error.detail;
    const r = job.result;
    if (!r) return "";
    if (r.url) {
      const a = document.createElement("a");
      a.href = r.url;
      a.textContent = r.run_id != null ? "run " + r.run_id : r.plan_id != null ? "plan " + r.plan_id : r.url;
      return a;
    }
    return r.summary || "";
  }

  function draw(list) {
    const body = $("gs-job-table").tBodies[0];
    body.textContent = "";
    for (const job of list) {
      const row = document.createElement("tr");
      row.dataset.job = job.job_id;
      row.dataset.status = job.status;
      cell(row, job.job_id);
      cell(row, what(job));
      cell(row, job.username);
      cell(row, job.status, "gs-job-status gs-job-" + job.status);
      const lines = document.createElement("ol");
      lines.className = "gs-log";
      for (const p of job.progress.slice(-6)) {
        const li = document.createElement("li");
        li.textContent = p.t.toFixed(1) + " s  " + p.line;
        lines.appendChild(li);
      }
      cell(row, lines);
      cell(row, result(job), job.error ? "gs-error" : "");
      const actions = cell(row, "");
      if (job.status === "queued" || job.status === "running") {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = job.cancel_requested ? "Cancelling…" : "Cancel";
        b.disabled = job.cancel_requested;
        b.addEventListener("click", async () => {
          b.disabled = true;
          try { await send("/api/jobs/" + encodeURIComponent(job.job_id) + "/cancel", {}, false); }
          catch (err) { message.textContent = err.message; }
          refresh();
        });
        actions.appendChild(b);
      }
      body.appendChild(row);
    }
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const r = await fetch("/api/jobs", { credentials: "same-origin" });
      if (r.ok) {
        const list = await r.json();
        draw(list);
        const busy = list.some((j) => j.status === "queued" || j.status === "running");
        timer = setTimeout(refresh, busy ? 400 : 3000);
        return;
      }
    } catch (err) { /* the server restarts: try again */ }
    timer = setTimeout(refresh, 2000);
  }
  refresh();
})();
