(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };

  // Timeline zoom: the picture widens; the ticks of the finest level not
  // finer than the zoom are shown.
  each(document.querySelectorAll(".tlwrap"), function (w) {
    var sc = w.querySelector(".tlscroll"), svg = w.querySelector("svg.tl");
    var max = Number(w.getAttribute("data-maxzoom")) || 1;
    var day = Number(w.getAttribute("data-dayzoom")) || 1;
    var levels = svg.querySelectorAll("g.ticks"), label = w.querySelector(".zl"), z = 1, focus = null;
    function set(nz, frac, off) {
      nz = Math.max(1, Math.min(max, nz));
      if (off === undefined) { off = sc.clientWidth / 2; }
      if (frac === undefined) { frac = (sc.scrollLeft + off) / sc.scrollWidth; }
      z = nz;
      svg.style.width = (z * 100) + "%";
      var lv = 1;
      each(levels, function (g) { var l = Number(g.getAttribute("data-level")); if (l <= z && l > lv) { lv = l; } });
      each(levels, function (g) {
        if (Number(g.getAttribute("data-level")) === lv) { g.removeAttribute("display"); } else { g.setAttribute("display", "none"); }
      });
      svg.setAttribute("data-z", String(lv));
      sc.scrollLeft = frac * sc.scrollWidth - off;
      label.textContent = "×" + (Math.round(z * 10) / 10);
    }
    w.querySelector(".zoom").addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) { return; }
      switch (b.getAttribute("data-z")) {
        case "in": set(z * 2); break;
        case "out": set(z / 2); break;
        case "fit": set(1, 0, 0); break;
        case "day":
          // Centre the day on the attempt last clicked, else on the view.
          if (focus !== null) { set(day, focus, sc.clientWidth / 2); } else { set(day); }
          break;
      }
    });
    sc.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !e.altKey) { return; }
      e.preventDefault();
      var off = e.clientX - sc.getBoundingClientRect().left;
      set(e.deltaY < 0 ? z * 1.5 : z / 1.5, (sc.scrollLeft + off) / sc.scrollWidth, off);
    }, { passive: false });
    window.addEventListener("beforeprint", function () { set(1, 0, 0); });
    // A click on an attempt mark shows its row in the table.
    svg.addEventListener("click", function (e) {
      var m = e.target.closest("line.att"), row = m && document.getElementById(m.getAttribute("data-row"));
      if (!row) { return; }
      focus = (e.clientX - svg.getBoundingClientRect().left) / svg.getBoundingClientRect().width;
      if (row.hidden) { row.hidden = false; }
      each(document.querySelectorAll("tr.hit"), function (r) { r.classList.remove("hit"); });
      row.classList.add("hit");
      row.scrollIntoView({ block: "center" });
    });
  });

  // Attempts tables: sort by a column, filter by text and outcome, copy a
  // TrackingId.
  each(document.querySelectorAll("table.att"), function (t) {
    var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    each(rows, function (r, i) { r.setAttribute("data-i", String(i)); });
    var box = document.querySelector('.filter[data-for="' + t.id + '"]');
    var q = box.querySelector("input.q"), oc = box.querySelector("select.oc"), shown = box.querySelector(".shown");
    function filter() {
      var s = q.value.trim().toLowerCase(), o = oc.value, n = 0;
      each(rows, function (r) {
        var ok = (!o || r.getAttribute("data-outcome") === o) && (!s || r.textContent.toLowerCase().indexOf(s) >= 0);
        r.hidden = !ok;
        if (ok) { n++; }
      });
      shown.textContent = n + " of " + rows.length + " shown";
    }
    q.addEventListener("input", filter);
    oc.addEventListener("change", filter);
    var heads = t.tHead.rows[0].cells;
    function sortBy(th) {
      var i = th.cellIndex, asc = th.getAttribute("aria-sort") !== "ascending";
      each(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var key = function (r) { var c = r.cells[i]; return c.getAttribute("data-s") || c.textContent; };
      rows.sort(function (a, b) {
        var d = key(a).localeCompare(key(b));
        if (d === 0) { d = Number(a.getAttribute("data-i")) - Number(b.getAttribute("data-i")); return d; }
        return asc ? d : -d;
      });
      each(rows, function (r) { body.appendChild(r); });
    }
    each(heads, function (th) {
      th.addEventListener("click", function () { sortBy(th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
    });
    body.addEventListener("click", function (e) {
      var b = e.target.closest("button.copy");
      if (!b) { return; }
      var text = b.getAttribute("data-tid"), code = b.previousElementSibling;
      var done = function () { b.textContent = "copied"; setTimeout(function () { b.textContent = "copy"; }, 1500); };
      var select = function () {
        var r = document.createRange(), s = window.getSelection();
        r.selectNodeContents(code);
        s.removeAllRanges();
        s.addRange(r);
        try { if (document.execCommand("copy")) { done(); } } catch (err) { /* the text stays selected */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, select);
      } else {
        select();
      }
    });
  });
}());
