// Live progress of a running scan: polls the scan's JSON once a second, reloads when it ends.
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var id = box.getAttribute("data-scan");
  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  function tick() {
    fetch("/api/v1/scans/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status !== "queued" && s.status !== "running") { location.reload(); return; }
        var p = s.progress;
        if (p) {
          text.textContent = p.phase + ": " + p.done + (p.total != null ? " / " + p.total : "") + " " + p.unit;
          if (p.total) { bar.value = Math.min(100, (100 * p.done) / p.total); } else { bar.removeAttribute("value"); }
        }
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  tick();
})();
