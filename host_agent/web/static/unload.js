// The unloading's progress, asked every half second while it runs; the page is reloaded
// once it ends, so that the summary is the server's (no text is built here from the answer
// but numbers and the stage's name, set as text: never as markup).
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.dataset.finished === "yes") { return; }
  var url = job.dataset.stateUrl;
  function plural(n, one, many) { return n + " " + (n < 2 ? one : many); }
  function tick() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.finished) { window.location.reload(); return; }
        document.getElementById("stage").textContent = s.stage;
        var bar = document.getElementById("bar");
        if (s.total) { bar.max = s.total; bar.value = s.sheets; } else { bar.removeAttribute("value"); }
        document.getElementById("count").textContent =
          plural(s.sheets, "feuille reçue", "feuilles reçues") + (s.total ? " sur " + s.total : "");
        window.setTimeout(tick, 500);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 300);
})();
