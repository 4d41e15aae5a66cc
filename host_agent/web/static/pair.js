// The pairing's progress, asked every half second; the page is reloaded when its stage
// changes (the code to compare, the countdown, the outcome are the server's), and only the
// countdown's number is set here, as text.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.dataset.finished === "yes" || job.dataset.stage === "compare") { return; }
  var url = job.dataset.stateUrl, stage = job.dataset.stage;
  function tick() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.finished || s.stage !== stage) { window.location.reload(); return; }
        var left = document.getElementById("left");
        if (left && s.left !== null) {
          left.textContent = "Encore " + s.left + " s pour appuyer sur OK sur le terminal.";
        }
        window.setTimeout(tick, 500);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 300);
})();
