// Long tables of the dashboard, sortable by their numbers and paged.
//
// Every <table class="gs-table"> gets clickable column headings: a click sorts the rows by
// that column (numbers as numbers, "1,234", "45%" and "0.81" included; text in natural
// order, so community 2 comes before community 10), a second click reverses. A table of more
// than PAGE rows shows them PAGE at a time, with buttons to page and the range shown.
// Nothing is fetched; the rows are those the server wrote.
//
// For tests: window.gsTables = {ready, tables: count enhanced, paged: count paged}.

export const PAGE = 50;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** The number a cell shows, or null for text ("–" and empty cells sort last). */
export function cellNumber(text) {
  const t = text.trim().replace(/,/g, "").replace(/\u2212/g, "-");
  const m = t.match(/^(-?\d+(?:\.\d+)?)\s*(%?)$/);
  if (!m) return null;
  return Number(m[1]) / (m[2] ? 100 : 1);
}

function enhance(table, counts) {
  const body = table.tBodies[0];
  if (!body || !table.tHead) return;
  const rows = [...body.rows];
  if (rows.length < 2) return;
  const state = { page: 0, column: -1, reverse: false };
  let nav = null;

  function draw() {
    const pages = Math.ceil(rows.length / PAGE);
    state.page = Math.min(state.page, pages - 1);
    const from = state.page * PAGE;
    rows.forEach((row, i) => {
      row.hidden = rows.length > PAGE && (i < from || i >= from + PAGE);
    });
    body.append(...rows);
    if (nav) {
      nav.querySelector(".gs-page-range").textContent =
        `rows ${from + 1}–${Math.min(from + PAGE, rows.length)} of ${rows.length.toLocaleString("en")}`;
      nav.querySelector(".gs-prev").disabled = state.page === 0;
      nav.querySelector(".gs-next").disabled = state.page >= pages - 1;
    }
  }

  function sortBy(column) {
    state.reverse = state.column === column ? !state.reverse : false;
    state.column = column;
    const keyed = rows.map((row, i) => {
      const cell = row.cells[column];
      const textValue = cell ? cell.textContent.trim() : "";
      return { row, i, text: textValue, number: cellNumber(textValue) };
    });
    const filled = keyed.filter((k) => k.text && k.text !== "–").length;
    const numeric = filled > 0 && keyed.filter((k) => k.number !== null).length * 2 >= filled;
    // numbers: largest first on the first click; text: A to Z first
    const descending = numeric !== state.reverse;
    keyed.sort((a, b) => {
      if (numeric && (a.number === null || b.number === null)) {
        return (a.number === null) - (b.number === null) || a.i - b.i; // blanks last
      }
      const d = numeric ? a.number - b.number : collator.compare(a.text, b.text);
      return (descending ? -d : d) || a.i - b.i;
    });
    rows.splice(0, rows.length, ...keyed.map((k) => k.row));
    for (const [i, th] of [...table.tHead.rows[0].cells].entries()) {
      th.setAttribute("aria-sort", i === column ? (descending ? "descending" : "ascending") : "none");
    }
    state.page = 0;
    draw();
  }

  const headings = [...table.tHead.rows[0].cells];
  headings.forEach((th, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "gs-sort";
    button.title = "Sort by this column";
    button.append(...th.childNodes);
    th.append(button);
    th.setAttribute("aria-sort", "none");
    button.addEventListener("click", () => sortBy(column));
  });

  if (rows.length > PAGE) {
    nav = document.createElement("div");
    nav.className = "gs-pager";
    const prev = document.createElement("button");
    prev.type = "button";
    prev.className = "gs-prev";
    prev.textContent = "‹ previous";
    const next = document.createElement("button");
    next.type = "button";
    next.className = "gs-next";
    next.textContent = "next ›";
    const range = document.createElement("span");
    range.className = "gs-page-range";
    prev.addEventListener("click", () => { state.page -= 1; draw(); });
    next.addEventListener("click", () => { state.page += 1; draw(); });
    nav.append(prev, range, next);
    table.after(nav);
    counts.paged += 1;
  }
  counts.tables += 1;
  draw();
}

export function startTables() {
  const counts = { ready: false, tables: 0, paged: 0 };
  window.gsTables = counts;
  for (const table of document.querySelectorAll("table.gs-table")) enhance(table, counts);
  counts.ready = true;
}
