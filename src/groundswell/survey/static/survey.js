// The survey form: type-ahead search of colleagues, autosave per question. Plain JS, no
// framework, nothing loaded from elsewhere. Without it the form still submits what it shows.
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form) return;
  var base = form.getAttribute("data-base");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var status = document.getElementById("status");
  var err = document.getElementById("form-error");
  if (err) err.focus();

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function say(node, text, isError) {
    node.textContent = text;
    node.classList.toggle("bad", !!isError);
  }

  function time() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function post(slug, body, saved) {
    say(saved, "Saving…");
    return fetch(base + "/answers/" + encodeURIComponent(slug), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (r) {
      return r.json().then(function (data) {
        if (r.ok) { say(saved, "Saved at " + time() + "."); say(status, ""); }
        else say(saved, "Not saved: " + (data.detail || r.status), true);
      });
    }).catch(function () {
      say(saved, "Not saved: no connection. Your choices stay on this page; try again.", true);
    });
  }

  function setupNomination(fs) {
    var slug = fs.getAttribute("data-slug");
    var max = parseInt(fs.getAttribute("data-max"), 10);
    var scale = parseInt(fs.getAttribute("data-scale") || "0", 10);
    var chosen = fs.querySelector(".chosen");
    var input = fs.querySelector("input[role=combobox]");
    var list = fs.querySelector("[role=listbox]");
    var count = fs.querySelector(".count");
    var saved = fs.querySelector(".saved");
    var active = -1, results = [], timer = null, seq = 0;

    function ids() {
      return Array.prototype.map.call(chosen.querySelectorAll("li"), function (li) {
        return parseInt(li.getAttribute("data-id"), 10);
      });
    }
    function body() {
      return { nominees: Array.prototype.map.call(chosen.querySelectorAll("li"), function (li) {
        var sel = li.querySelector("select");
        return { id: parseInt(li.getAttribute("data-id"), 10),
                 strength: sel ? parseInt(sel.value, 10) : null };
      }) };
    }
    function save() { post(slug, body(), saved); }
    function update() {
      var n = ids().length;
      count.textContent = n + " of " + max + " named" + (n >= max ? " — the most this question takes." : ".");
      input.disabled = n >= max;
    }
    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1; results = [];
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      var opts = list.querySelectorAll("[role=option]");
      for (var k = 0; k < opts.length; k++) opts[k].setAttribute("aria-selected", k === i ? "true" : "false");
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      }
    }
    function removeButton(li, name) {
      var b = el("button", { type: "button", "class": "remove", "aria-label": "Remove " + name }, "Remove");
      li.appendChild(b);
    }
    function add(person) {
      if (ids().indexOf(person.id) >= 0 || ids().length >= max) return;
      var li = el("li", { "data-id": person.id });
      li.appendChild(el("span", { "class": "name" }, person.name));
      li.appendChild(el("input", { type: "hidden", name: "n." + slug, value: person.id }));
      if (scale) {
        var label = el("label", {}, "How strongly ");
        var sel = el("select", { name: "s." + slug + "." + person.id });
        for (var v = 1; v <= scale; v++) sel.appendChild(el("option", { value: v }, String(v)));
        sel.value = String(Math.ceil(scale / 2));
        label.appendChild(sel);
        li.appendChild(label);
      }
      removeButton(li, person.name);
      chosen.appendChild(li);
      input.value = "";
      close();
      update();
      say(status, person.name + " added.");
      save();
      if (!input.disabled) input.focus();
    }
    function show(people) {
      list.innerHTML = "";
      var taken = ids();
      results = people.filter(function (p) { return taken.indexOf(p.id) < 0; });
      if (!results.length) {
        list.appendChild(el("li", { "class": "none", role: "option", "aria-disabled": "true", id: "none-" + slug }, "No colleague found"));
      }
      results.forEach(function (p, i) {
        var li = el("li", { role: "option", id: "opt-" + slug + "-" + i, "aria-selected": "false" }, p.name);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); add(p); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      say(status, results.length ? results.length + " colleagues found; use the arrow keys to choose." : "No colleague found.");
    }
    function search() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var mine = ++seq;
      fetch(base + "/people?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === seq && data.people) show(data.people); })
        .catch(function () { say(status, "Search failed: no connection.", true); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && results.length) { e.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (e.key === "ArrowUp" && results.length) { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter") {
        e.preventDefault();  // Enter in the search never submits the whole form
        if (active >= 0 && results[active]) add(results[active]);
        else if (results.length === 1) add(results[0]);
      } else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    chosen.addEventListener("click", function (e) {
      var b = e.target.closest("button.remove");
      if (!b) return;
      var li = b.closest("li");
      var name = li.querySelector(".name").textContent;
      li.parentNode.removeChild(li);
      update();
      say(status, name + " removed.");
      save();
      input.focus();
    });
    chosen.addEventListener("change", function (e) { if (e.target.tagName === "SELECT") save(); });
    update();
  }

  function setupAttribute(fs) {
    if (fs.getAttribute("data-autosave") !== "true") return;
    var slug = fs.getAttribute("data-slug");
    var saved = fs.querySelector(".saved");
    fs.addEventListener("change", function (e) {
      if (e.target.type === "radio") post(slug, { nominees: [], value: parseInt(e.target.value, 10) }, saved);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("fieldset.q"), function (fs) {
    if (fs.disabled) return;
    if (fs.classList.contains("attr")) setupAttribute(fs); else setupNomination(fs);
  });
})();
