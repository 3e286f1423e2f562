// peninsula workbench: plain JavaScript, no library, no build step. Talks only to the JSON API under /api/.
"use strict";

(function () {
  var state = { scenario: null, doc: null, last: null, lastKey: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function fmt(x) {
    if (x === null || x === undefined || Number.isNaN(x)) { return "\u2013"; }
    var a = Math.abs(x);
    if (a >= 1000) { return x.toLocaleString("en-US", { maximumFractionDigits: 0 }); }
    return a >= 100 ? x.toFixed(1) : x.toFixed(2);
  }

  function status(text) { $("status").textContent = text || ""; }

  // An input changed after the last run: the shown forecast no longer matches the inputs; say so.
  function stale() {
    if (!state.last) { return; }
    $("forecast-table").classList.add("stale");
    status("inputs changed: Run to update the forecast");
  }

  function clearResults() {
    ["forecast-table", "sweep-result", "charts"].forEach(function (id) { $(id).textContent = ""; });
    $("forecast-table").classList.remove("stale");
    $("progress").hidden = true;
    $("progress-text").textContent = "";
  }

  function showError(doc) {
    var box = $("error");
    box.textContent = "";
    var lines = [doc && doc.error ? doc.error : "error"];
    (doc && doc.problems ? doc.problems : []).forEach(function (p) { lines.push("  " + (p.text || p.message)); });
    box.textContent = lines.join("\n");
    box.hidden = false;
  }

  function clearError() { $("error").hidden = true; $("error").textContent = ""; }

  async function call(method, url, body, raw) {
    var opts = { method: method, headers: {} };
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    var r = await fetch(url, opts);
    if (!r.ok) {
      var doc;
      try { doc = await r.json(); } catch (e) { doc = { error: "HTTP " + r.status, problems: [] }; }
      throw doc;
    }
    return raw ? r : r.json();
  }

  function busy(on) {
    ["run", "sweep", "save-yaml", "download-report"].forEach(function (id) { $(id).disabled = on; });
  }

  // -- the scenario table -------------------------------------------------------------------------------
  function srcText(s) {
    if (!s) { return { text: "no source", cls: "edited" }; }
    var t = s.text;
    if (s.kind === "coded" && s.low !== null) { t = "coded [" + s.low + ", " + s.high + "]: " + t.replace(/^coded: /, ""); }
    return { text: t, cls: s.kind === "coded" ? "coded" : "" };
  }

  function renderScenario(doc) {
    state.doc = doc;
    var t = $("stances");
    t.textContent = "";
    t.setAttribute("data-scenario", doc.id);
    var head = el("tr");
    head.appendChild(el("th", null, "actor"));
    doc.issues.forEach(function (i) {
      var th = el("th", { title: i.description || "" }, i.id);
      th.appendChild(el("span", { class: "src" }, i.lower + "\u2013" + i.upper + (i.unit ? " " + i.unit : "")));
      head.appendChild(th);
    });
    t.appendChild(head);
    var by = {};
    doc.stances.forEach(function (s) { by[s.actor + "\u0000" + s.issue] = s; });
    doc.actors.forEach(function (a) {
      var tr = el("tr");
      tr.appendChild(el("td", { title: a.name }, a.id));
      doc.issues.forEach(function (i) {
        var td = el("td");
        var s = by[a.id + "\u0000" + i.id];
        if (s) {
          ["position", "salience", "capability"].forEach(function (f) {
            if (s[f] === null || s[f] === undefined) { return; }
            var lab = el("label", { class: "fld" });
            lab.appendChild(el("span", { class: "fld-name" }, f));
            var inp = el("input", { type: "number", step: "any", "data-actor": a.id, "data-issue": i.id,
              "data-field": f, "data-orig": String(s[f]), "aria-label": a.id + " " + i.id + " " + f,
              title: f });
            inp.value = String(s[f]);
            inp.addEventListener("input", function () {
              inp.classList.toggle("changed", inp.value !== inp.dataset.orig);
              stale();
            });
            lab.appendChild(inp);
            td.appendChild(lab);
            var st = srcText(s.sources[f]);
            td.appendChild(el("span", { class: "src " + st.cls, title: f + ": " + st.text }, f[0] + ": " + st.text));
          });
        } else { td.textContent = "\u00b7"; td.className = "muted"; }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
  }

  function edits() {
    var out = [];
    document.querySelectorAll("#stances input").forEach(function (inp) {
      if (inp.value !== inp.dataset.orig && inp.value !== "") {
        out.push({ actor: inp.dataset.actor, issue: inp.dataset.issue, field: inp.dataset.field, value: Number(inp.value) });
      }
    });
    return out;
  }

  function request(extra) {
    var models = [];
    document.querySelectorAll("#models input:checked").forEach(function (c) { models.push(c.value); });
    var body = { scenario: state.scenario, edits: edits(), models: models.length ? models : ["all"],
      overlay: $("overlay").value || null };
    if ($("seed").value !== "") { body.seed = Number($("seed").value); }
    if ($("rounds").value !== "") { body.rounds = Number($("rounds").value); }
    return Object.assign(body, extra || {});
  }

  async function loadScenario(id) {
    clearError();
    state.scenario = id;
    state.last = null;
    runs++;
    clearResults();
    status("");
    try { renderScenario(await call("GET", "/api/scenarios/" + encodeURIComponent(id))); status("loaded " + id); }
    catch (e) { showError(e); }
  }

  // -- results ------------------------------------------------------------------------------------------
  function renderForecast(doc) {
    var t = $("forecast-table");
    t.textContent = "";
    t.classList.remove("stale");
    var head = el("tr");
    head.appendChild(el("th", null, "issue"));
    head.appendChild(el("th", { class: "n" }, "status quo"));
    doc.models.forEach(function (m) { head.appendChild(el("th", { class: "n" }, m)); });
    t.appendChild(head);
    var prev = state.lastKey === state.scenario ? state.last : null;
    doc.issues.forEach(function (i) {
      var tr = el("tr", { "data-issue": i.id });
      tr.appendChild(el("td", null, i.id));
      tr.appendChild(el("td", { class: "n" }, fmt(i.status_quo)));
      doc.models.forEach(function (m) {
        var v = doc.outcomes[m][i.id];
        var text = fmt(v);
        if (doc.overlay_outcomes) { text += " \u2192 " + fmt(doc.overlay_outcomes[m][i.id]); }
        var pa = doc.p_agreement && doc.p_agreement[m] ? doc.p_agreement[m][i.id] : null;
        if (pa !== null && pa !== undefined) { text += " (p(agree) " + pa.toFixed(2) + ")"; }
        var td = el("td", { class: "n", "data-model": m }, text);
        if (prev && prev.outcomes[m] && prev.outcomes[m][i.id] !== v) { td.classList.add("changed-cell"); td.title = "was " + fmt(prev.outcomes[m][i.id]); }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    if (doc.cohesion) {
      var tr = el("tr", { class: "cohesion" });
      tr.appendChild(el("td", null, "U.S.-ROK cohesion"));
      tr.appendChild(el("td", { class: "n" }, doc.cohesion.before.toFixed(3)));
      doc.models.forEach(function (m) {
        var c = doc.cohesion[m];
        var text = c === undefined ? "\u2013" : c.toFixed(3);
        if (doc.overlay_cohesion && doc.overlay_cohesion[m] !== undefined) { text += " \u2192 " + doc.overlay_cohesion[m].toFixed(3); }
        tr.appendChild(el("td", { class: "n" }, text));
      });
      t.appendChild(tr);
    }
    renderCharts(doc);
    state.last = doc;
    state.lastKey = state.scenario;
  }

  function renderCharts(doc) {
    var charts = $("charts");
    charts.textContent = "";
    doc.charts.forEach(function (c) {
      var fig = el("figure", { "data-chart": c.key });
      fig.appendChild(el("img", { alt: c.title, src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(c.svg) }));
      fig.appendChild(el("figcaption", null, c.title));
      charts.appendChild(fig);
    });
  }

  // Run: the table first (no charts: a tenth of a second), then the charts in a second request that a newer
  // Run or a new scenario makes obsolete (matplotlib's SVGs take seconds).
  var runs = 0;
  async function run() {
    clearError(); busy(true); status("running\u2026");
    var mine = ++runs, req = request();
    try {
      renderForecast(await call("POST", "/api/forecast", Object.assign({}, req, { charts: false })));
      status("done");
    } catch (e) { showError(e); status(""); busy(false); return; }
    busy(false);
    $("charts").appendChild(el("p", { class: "muted", id: "charts-pending" }, "drawing the charts\u2026"));
    try {
      var doc = await call("POST", "/api/forecast", req);
      if (mine === runs && state.scenario === req.scenario) { renderCharts(doc); }
    } catch (e) { if (mine === runs) { $("charts").textContent = ""; showError(e); } }
  }

  // A small chart of one model's draws on one issue, on the issue's whole scale (SVG attributes only).
  function rangeBar(e, lower, upper) {
    var NS = "http://www.w3.org/2000/svg", W = 140, H = 16, span = upper - lower || 1;
    var x = function (v) { return 2 + (W - 4) * Math.min(1, Math.max(0, (v - lower) / span)); };
    var svg = document.createElementNS(NS, "svg");
    [["width", W], ["height", H], ["viewBox", "0 0 " + W + " " + H], ["class", "range-bar"], ["role", "img"]]
      .forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    svg.setAttribute("aria-label", "5% " + fmt(e.q05) + ", median " + fmt(e.q50) + ", 95% " + fmt(e.q95));
    function add(tag, attrs) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      svg.appendChild(n);
    }
    add("line", { x1: 2, x2: W - 2, y1: H / 2, y2: H / 2, stroke: "#c9d0d6" });
    if (e.q05 !== null && e.q95 !== null) {
      add("rect", { x: x(e.q05), y: 4, width: Math.max(1.5, x(e.q95) - x(e.q05)), height: H - 8, fill: "#2f5d8a", "fill-opacity": 0.55 });
      add("line", { x1: x(e.q50), x2: x(e.q50), y1: 2, y2: H - 2, stroke: "#1d232a", "stroke-width": 2, class: "median" });
    }
    if (e.status_quo !== null && e.status_quo !== undefined) {
      add("line", { x1: x(e.status_quo), x2: x(e.status_quo), y1: 1, y2: H - 1, stroke: "#b00020", class: "sq" });
    }
    if (e.point !== null && e.point !== undefined) {
      var px = x(e.point);
      add("path", { d: "M" + px + " 3 L" + (px + 4) + " " + H / 2 + " L" + px + " " + (H - 3) + " L" + (px - 4) + " " + H / 2 + " Z",
        fill: e.point_outside ? "#b00020" : "#fff", stroke: "#1d232a", class: "point" });
    }
    return svg;
  }

  function renderSweep(doc) {
    var box = $("sweep-result");
    box.textContent = "";
    box.appendChild(el("h3", null, "Sweep: " + doc.draws + " draws, seed " + doc.seed + ", run " + doc.run_id +
      (doc.saved ? " (saved to the run store)" : "")));
    var t = el("table", { id: "sweep-table" });
    var models = Object.keys(doc.models);
    var head = el("tr");
    head.appendChild(el("th", null, "issue"));
    models.forEach(function (m) { head.appendChild(el("th", { class: "n" }, m + ": median [5%, 95%]")); });
    t.appendChild(head);
    var issues = Object.keys(doc.models[models[0]].issues);
    issues.forEach(function (i) {
      var tr = el("tr");
      tr.appendChild(el("td", null, i));
      models.forEach(function (m) {
        var e = doc.models[m].issues[i];
        var td = el("td", { class: "n", "data-model": m }, fmt(e.q50) + " [" + fmt(e.q05) + ", " + fmt(e.q95) + "]");
        var issue = state.doc ? state.doc.issues.find(function (x) { return x.id === i; }) : null;
        if (issue) { td.appendChild(rangeBar(e, issue.lower, issue.upper)); }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    box.appendChild(t);
    box.appendChild(el("p", { class: "muted small", id: "sweep-key" },
      "Each bar spans the issue's whole scale: blue, 5\u201395% of the draws; black tick, their median; " +
      "diamond, the point forecast (the model on the scenario as coded; red when outside the band); " +
      "red tick, the status quo."));
  }

  async function sweep() {
    clearError(); busy(true); status("sweeping\u2026");
    var bar = $("progress");
    bar.hidden = false; bar.value = 0;
    try {
      var job = await call("POST", "/api/sweep", request({ draws: Number($("draws").value), save: $("save-run").checked }));
      for (;;) {
        await new Promise(function (ok) { setTimeout(ok, 300); });
        var st = await call("GET", "/api/sweep/" + encodeURIComponent(job.job));
        bar.max = st.total; bar.value = st.done;
        $("progress-text").textContent = st.done + " / " + st.total + " draws";
        if (st.state === "done") { renderSweep(st.result); status("sweep done"); break; }
        if (st.state === "error") { showError(st.error); status(""); break; }
      }
    } catch (e) { showError(e); status(""); }
    finally { busy(false); }
  }

  async function download(url, body, fallback) {
    clearError(); busy(true); status("preparing " + fallback + "\u2026");
    try {
      var r = await call("POST", url, body, true);
      var blob = await r.blob();
      var name = fallback;
      var cd = r.headers.get("Content-Disposition") || "";
      var m = /filename="([^"]+)"/.exec(cd);
      if (m) { name = m[1]; }
      var a = el("a", { href: URL.createObjectURL(blob), download: name });
      document.body.appendChild(a); a.click(); a.remove();
      status("downloaded " + name);
    } catch (e) { showError(e); status(""); }
    finally { busy(false); }
  }

  async function upload() {
    var f = $("upload").files[0];
    if (!f) { return; }
    clearError();
    var form = new FormData();
    form.append("file", f, f.name);
    try {
      var doc = await call("POST", "/api/scenarios", form);
      var opt = el("option", { value: doc.id }, f.name + " (uploaded)");
      $("scenario").appendChild(opt);
      $("scenario").value = doc.id;
      state.scenario = doc.id; state.last = null;
      renderScenario(doc);
      status("loaded " + f.name);
    } catch (e) { showError(e); }
    $("upload").value = "";
  }

  async function init() {
    try {
      var doc = await call("GET", "/api/scenarios");
      doc.packaged.forEach(function (s) {
        $("scenario").appendChild(el("option", { value: s.id }, s.id + (s.title ? " \u2014 " + s.title : "")));
      });
      doc.overlays.forEach(function (o) { $("overlay").appendChild(el("option", { value: o }, o)); });
      doc.models.forEach(function (m) {
        var lab = el("label", { title: m.title });
        var c = el("input", { type: "checkbox", value: m.name });
        c.checked = true;
        lab.appendChild(c); lab.appendChild(document.createTextNode(" " + m.name));
        $("models").appendChild(lab);
      });
      $("draws").max = doc.limits.max_draws;
      $("scenario").value = doc["default"];
      await loadScenario(doc["default"]);
    } catch (e) { showError(e); }
    $("scenario").addEventListener("change", function () { loadScenario($("scenario").value); });
    ["overlay", "seed", "rounds"].forEach(function (id) { $(id).addEventListener("change", stale); });
    $("models").addEventListener("change", stale);
    $("run").addEventListener("click", run);
    $("sweep").addEventListener("click", sweep);
    $("upload").addEventListener("change", upload);
    $("save-yaml").addEventListener("click", function () { download("/api/scenarios/yaml", request(), "scenario.yaml"); });
    $("download-report").addEventListener("click", function () { download("/api/report", request({ full: $("report-full").checked }), "report.html"); });
    document.body.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", init);
})();
