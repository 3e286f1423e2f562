// peninsula workbench, "Which lever?": plain JavaScript, no library. Talks only to /api/levers and /api/scenarios.
"use strict";

(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var state = { request: null, doc: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); }); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function fmt(x) {
    if (x === null || x === undefined || Number.isNaN(x)) { return "\u2013"; }
    var a = Math.abs(x);
    if (a >= 1000) { return x.toLocaleString("en-US", { maximumFractionDigits: 0 }); }
    return a >= 100 ? x.toFixed(1) : x.toFixed(2);
  }

  function signed(x) {
    if (x === null || x === undefined) { return "\u2013"; }
    return x === 0 ? "0" : (x > 0 ? "+" : "-") + fmt(Math.abs(x));
  }

  function showError(doc) {
    var lines = [doc && doc.error ? doc.error : "error"];
    (doc && doc.problems ? doc.problems : []).forEach(function (p) { lines.push("  " + (p.text || p.message)); });
    $("error").textContent = lines.join("\n");
    $("error").hidden = false;
  }

  async function call(method, url, body) {
    var opts = { method: method, headers: {} };
    if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    var r = await fetch(url, opts);
    if (!r.ok) {
      var doc;
      try { doc = await r.json(); } catch (e) { doc = { error: "HTTP " + r.status, problems: [] }; }
      throw doc;
    }
    return r.json();
  }

  // -- the front chart: launches (x) against p_agreement (y), colour cohesion --------------------------
  function axes(doc) {
    var names = doc.objectives.map(function (o) { return o.name; });
    var agree = names.filter(function (n) { return n.indexOf("p_agreement:") === 0; });
    var y = agree.indexOf("p_agreement:denuclearization") >= 0 ? "p_agreement:denuclearization" : (agree[0] || null);
    return { x: "launches", y: y, c: names.indexOf("cohesion") >= 0 ? "cohesion" : null };
  }

  function colour(t) {  // 0 -> dark blue, 1 -> yellow (a viridis-like ramp)
    var stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    var u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    var k = Math.min(stops.length - 2, Math.floor(u));
    var f = u - k;
    var c = stops[k].map(function (v, i) { return Math.round(v + f * (stops[k + 1][i] - v)); });
    return "rgb(" + c.join(",") + ")";
  }

  function points(doc) {
    var a = axes(doc);
    var med = function (objs, n) { return n ? objs[n].mean : null; };  // means: medians of counts coincide
    var pts = [{ id: "baseline", kind: "baseline", pareto: doc.baseline.pareto,
      x: med(doc.baseline.objectives, a.x), y: med(doc.baseline.objectives, a.y), c: med(doc.baseline.objectives, a.c) }];
    doc.levers.forEach(function (lv) {
      pts.push({ id: lv.id, kind: lv.kind, pareto: lv.pareto,
        x: med(lv.objectives, a.x), y: med(lv.objectives, a.y), c: med(lv.objectives, a.c) });
    });
    return { axes: a, pts: pts };
  }

  function drawChart(doc) {
    var box = $("front-chart");
    box.textContent = "";
    var P = points(doc), pts = P.pts, a = P.axes;
    var W = 640, H = 360, L = 60, R = 20, T = 16, B = 44;
    var xs = pts.map(function (p) { return p.x; }), ys = pts.map(function (p) { return p.y === null ? 0 : p.y; });
    var cs = pts.map(function (p) { return p.c; }).filter(function (v) { return v !== null; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= 0.05; y1 += 0.05; }
    var px = 0.08 * (x1 - x0), py = 0.08 * (y1 - y0);  // room for the points' labels
    x0 -= px; x1 += px; y0 -= py; y1 += py;
    var c0 = cs.length ? Math.min.apply(null, cs) : 0, c1 = cs.length ? Math.max.apply(null, cs) : 1;
    var sx = function (v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
    var sy = function (v) { return H - B - (v - y0) / (y1 - y0) * (H - T - B); };
    var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img",
      "aria-label": "front chart: " + a.x + " against " + (a.y || "nothing") });
    svg.appendChild(sv("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }));
    svg.appendChild(sv("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#888" }));
    [x0, (x0 + x1) / 2, x1].forEach(function (v) {
      svg.appendChild(sv("text", { x: sx(v), y: H - B + 16, "text-anchor": "middle", "font-size": 11 }, fmt(v)));
    });
    [y0, (y0 + y1) / 2, y1].forEach(function (v) {
      svg.appendChild(sv("text", { x: L - 6, y: sy(v) + 4, "text-anchor": "end", "font-size": 11 }, fmt(v)));
    });
    svg.appendChild(sv("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12 },
      a.x + " over " + doc.months + " months (mean over the draws)"));
    svg.appendChild(sv("text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", "font-size": 12,
      transform: "rotate(-90 14 " + (T + H - B) / 2 + ")" }, (a.y || "") + " (mean)"));
    var seen = {};
    pts.forEach(function (p) {
      var cx = sx(p.x), cy = sy(p.y === null ? 0 : p.y);
      // runs at the same medians are spread 14 px apart along x, so that each can be seen and clicked
      var key = Math.round(cx) + "," + Math.round(cy);
      var k = seen[key] || 0;
      seen[key] = k + 1;
      cx += 14 * k;
      var fill = p.c === null ? "#2f5d8a" : colour(c1 > c0 ? (p.c - c0) / (c1 - c0) : 0.5);
      var g = sv("g", { class: "point", "data-lever": p.id, tabindex: 0 });
      if (p.kind === "baseline") {
        g.appendChild(sv("rect", { x: cx - 6, y: cy - 6, width: 12, height: 12, fill: fill, stroke: "#c00", "stroke-width": 2 }));
      } else {
        g.appendChild(sv("circle", { cx: cx, cy: cy, r: 6, fill: fill, stroke: "#333", "stroke-width": 0.5 }));
      }
      if (p.pareto) { g.appendChild(sv("circle", { cx: cx, cy: cy, r: 11, fill: "none", stroke: "#000", "stroke-width": 1.3 })); }
      g.appendChild(sv("title", null, p.id + ": " + a.x + " " + fmt(p.x) + ", " + (a.y || "") + " " + fmt(p.y) +
        (p.c === null ? "" : ", " + a.c + " " + fmt(p.c)) + (p.pareto ? " (on the front)" : "")));
      if (p.pareto || p.kind === "baseline") {
        g.appendChild(sv("text", { x: cx + 9, y: cy - 8, "font-size": 10 }, p.id));
      }
      if (p.kind !== "baseline") { g.addEventListener("click", function () { compare(p.id); }); }
      svg.appendChild(g);
    });
    if (a.c) {
      svg.appendChild(sv("text", { x: W - R, y: T + 4, "text-anchor": "end", "font-size": 11 },
        a.c + ": " + fmt(c0) + " (dark) to " + fmt(c1) + " (light)"));
    }
    box.appendChild(svg);
  }

  // -- the ranked table --------------------------------------------------------------------------------
  function cell(o) {
    var t = signed(o.delta_median) + " [" + signed(o.delta_q10) + ", " + signed(o.delta_q90) + "]";
    if (o.p_better !== null && o.p_better !== undefined) { t += " p=" + o.p_better.toFixed(2); }
    return t;
  }

  function drawTable(doc) {
    var t = $("levers-table");
    t.textContent = "";
    var moved = function (name) {  // an objective some candidate changes (else the table only says so)
      return doc.levers.some(function (lv) {
        var o = lv.objectives[name];
        return o.delta_q10 !== 0 || o.delta_q90 !== 0 || o.p_better || o.p_worse;
      });
    };
    var ranked = doc.objectives.filter(function (o) { return o.better !== null && moved(o.name); });
    var still = doc.objectives.filter(function (o) { return !moved(o.name); }).map(function (o) { return o.name; });
    var head = el("tr");
    ["#", "lever", "kind", "front", "front share"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    ranked.forEach(function (o) { head.appendChild(el("th", { class: "n", title: o.label }, o.name)); });
    t.appendChild(head);
    doc.levers.forEach(function (lv) {
      var tr = el("tr", { "data-lever": lv.id, class: "clickable" + (lv.pareto ? " front" : "") });
      tr.appendChild(el("td", { class: "n" }, String(lv.rank)));
      tr.appendChild(el("td", null, lv.id));
      tr.appendChild(el("td", null, lv.kind));
      tr.appendChild(el("td", null, lv.pareto ? "yes" : ""));
      tr.appendChild(el("td", { class: "n" }, lv.front_share.toFixed(2)));
      ranked.forEach(function (o) { tr.appendChild(el("td", { class: "n" }, cell(lv.objectives[o.name]))); });
      tr.addEventListener("click", function () { compare(lv.id); });
      t.appendChild(tr);
    });
    var notes = $("lever-notes");
    notes.textContent = "";
    doc.levers.forEach(function (lv) {
      if (lv.robustness) { notes.appendChild(el("li", null, lv.id + ": " + lv.robustness.summary)); }
    });
    if (still.length) { notes.appendChild(el("li", null, "no candidate changes (every difference 0 in every draw): " + still.join(", "))); }
    doc.notes.forEach(function (n) { notes.appendChild(el("li", null, n)); });
  }

  // -- one candidate against the baseline -----------------------------------------------------------------
  async function compare(id) {
    $("error").hidden = true;
    $("compare").hidden = false;
    $("compare-title").textContent = id + " against the baseline (running\u2026)";
    var body = $("compare-body");
    body.textContent = "";
    try {
      var doc = await call("POST", "/api/levers/compare", Object.assign({ lever: id }, state.request));
      $("compare-title").textContent = id + " against the baseline";
      body.setAttribute("data-lever", id);
      if (doc.changes.length) {
        var ch = el("table", { id: "compare-changes" });
        var h = el("tr");
        ["actor", "issue", "field", "baseline", "candidate", "source"].forEach(function (x) { h.appendChild(el("th", null, x)); });
        ch.appendChild(h);
        doc.changes.forEach(function (c) {
          var tr = el("tr");
          [c.actor, c.issue, c.field, fmt(c.old), fmt(c["new"]), c.source].forEach(function (x) { tr.appendChild(el("td", null, x)); });
          ch.appendChild(tr);
        });
        body.appendChild(el("h3", null, "What it changes"));
        body.appendChild(ch);
      } else {
        body.appendChild(el("p", { class: "muted" }, "It changes nothing in the snapshot: identical to the baseline."));
      }
      var d = doc.compare.launches;
      body.appendChild(el("p", { id: "compare-summary" },
        "Launches over the window, candidate \u2212 baseline: mean " + signed(d.mean) + ", median " + signed(d.q50) +
        " [" + signed(d.q10) + ", " + signed(d.q90) + "]; P(more) " + d.prob_more.toFixed(2) +
        ", P(fewer) " + d.prob_fewer.toFixed(2) +
        (doc.compare.cohesion ? "; cohesion (window mean) " + signed(doc.compare.cohesion.mean) : "") + "."));
      var t = el("table", { id: "compare-months" });
      var hh = el("tr");
      ["month", "launches: baseline median [10%, 90%]", "candidate", "cohesion: baseline", "candidate"].forEach(function (x) {
        hh.appendChild(el("th", { class: "n" }, x));
      });
      t.appendChild(hh);
      doc.baseline.forEach(function (row, j) {
        var c = doc.candidate[j];
        var tr = el("tr");
        var band = function (q) { return fmt(q.q50) + " [" + fmt(q.q10) + ", " + fmt(q.q90) + "]"; };
        [row.month, band(row.launches), band(c.launches), row.cohesion ? fmt(row.cohesion.q50) : "\u2013",
          c.cohesion ? fmt(c.cohesion.q50) : "\u2013"].forEach(function (x) { tr.appendChild(el("td", { class: "n" }, x)); });
        t.appendChild(tr);
      });
      body.appendChild(el("h3", null, "Month by month (common random numbers)"));
      body.appendChild(t);
      $("compare").scrollIntoView();
    } catch (e) { showError(e); $("compare-title").textContent = id; }
  }

  // -- running ------------------------------------------------------------------------------------------
  function request() {
    var grid = $("grid").value.split(",").map(function (s) { return s.trim(); }).filter(function (s) { return s; });
    return { scenario: $("scenario").value, months: Number($("months").value), draws: Number($("draws").value),
      seed: Number($("seed").value), pairs: $("pairs").checked, grid: grid };
  }

  async function run() {
    $("error").hidden = true;
    $("run-levers").disabled = true;
    var bar = $("progress");
    bar.hidden = false; bar.value = 0;
    $("status").textContent = "running\u2026";
    var req = request();
    try {
      var job = await call("POST", "/api/levers", req);
      for (;;) {
        await new Promise(function (ok) { setTimeout(ok, 400); });
        var st = await call("GET", "/api/levers/" + encodeURIComponent(job.job));
        bar.max = st.total; bar.value = st.done;
        $("progress-text").textContent = st.done + " / " + st.total + " runs";
        if (st.state === "done") {
          state.request = req; state.doc = st.result;
          drawChart(st.result); drawTable(st.result);
          $("status").textContent = "done";
          break;
        }
        if (st.state === "error") { showError(st.error); $("status").textContent = ""; break; }
      }
    } catch (e) { showError(e); $("status").textContent = ""; }
    finally { $("run-levers").disabled = false; }
  }

  async function init() {
    try {
      var doc = await call("GET", "/api/scenarios");
      doc.packaged.forEach(function (s) {
        $("scenario").appendChild(el("option", { value: s.id }, s.id + (s.title ? " \u2014 " + s.title : "")));
      });
      $("draws").max = doc.limits.max_draws;
      $("scenario").value = doc["default"];
    } catch (e) { showError(e); }
    $("run-levers").addEventListener("click", run);
    document.body.setAttribute("data-ready", "1");
  }

  init();
}());
