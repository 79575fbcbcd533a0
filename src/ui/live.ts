/**
 * Live learning curves on the page of a running run: the one script the
 * pages may run. It is served from this origin (`/static/live.js`, allowed by
 * `script-src 'self'` on that page only), reads the fragment URL from the
 * charts' container (`data-live`), fetches the charts' HTML every 2 s and
 * swaps the container's content, until the fragment says the run is no
 * longer running (the `x-pipelab-run-status` header) or the run is gone.
 */

/** Where the script is served. */
export const LIVE_SCRIPT_PATH = "/static/live.js";

/** The header of the curves fragment that carries the run's status: the script stops polling when it is not `running`. */
export const RUN_STATUS_HEADER = "x-pipelab-run-status";

/** How often the script fetches the curves, in milliseconds. */
export const LIVE_INTERVAL_MS = 2000;

/** The fragment URL of run `id`'s curves. */
export function curvesPath(id: number): string {
  return `/runs/${id}/curves`;
}

// Plain ES2017 for any browser; the HTML swapped in is the server's own markup (every user string escaped, charts serialized by Plot).
export const LIVE_SCRIPT = `"use strict";
(function () {
  var box = document.getElementById("curves");
  var url = box && box.getAttribute("data-live");
  if (!box || !url) return;
  function tick() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { accept: "text/html" } }).then(function (response) {
      if (!response.ok) return stop("the run's curves are no longer available (" + response.status + ")");
      var status = response.headers.get(${JSON.stringify(RUN_STATUS_HEADER)});
      return response.text().then(function (text) {
        box.innerHTML = text;
        box.setAttribute("data-updated", new Date().toISOString());
        if (status === "running") schedule();
        else stop("the run is " + status + ": reload the page for its final values");
      });
    }, function () {
      schedule();
    });
  }
  function schedule() {
    setTimeout(tick, ${LIVE_INTERVAL_MS});
  }
  function stop(why) {
    box.removeAttribute("data-live");
    var note = document.getElementById("live-status");
    if (note) note.textContent = why;
  }
  schedule();
})();
`;
