// Champion planner page: sends the chosen k and quotas to POST /api/plans with the
// session's CSRF token and shows the answer (501 until the planner is wired in).
(function () {
  "use strict";
  const form = document.getElementById("gs-plan-form");
  const status = document.getElementById("gs-plan-status");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]');
  function quotas(text) {
    const out = {};
    for (const line of text.split("\n")) {
      const [group, value] = line.split("=");
      if (group && group.trim() && value !== undefined) out[group.trim()] = Number.parseInt(value, 10);
    }
    return out;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Planning…";
    const body = {
      k: Number.parseInt(form.elements.k.value, 10),
      quotas: quotas(form.elements.quotas.value),
    };
    try {
      const response = await fetch("/api/plans", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" },
        body: JSON.stringify(body),
      });
      const data = await response.json();
      status.textContent = response.ok
        ? `Plan ${data.plan_id} started.`
        : `${response.status}: ${data.detail || data.error}`;
      window.gsPlanner = { status: response.status, body: data };
    } catch (error) {
      status.textContent = `The request failed: ${error}`;
    }
  });
})();
