// Draws the charts of a page. Each placeholder (data-chart-spec) names the id of a JSON script that holds a
// Vega-Lite spec written by the server; vega-embed (served from this installation, never a CDN) renders it.
// The specs carry their data inline, so the loader refuses every URL: a chart never fetches anything.
(function () {
  "use strict";

  function refusingLoader() {
    var loader = vega.loader();
    loader.load = function (uri) {
      return Promise.reject(new Error("charts load no external data (" + uri + ")"));
    };
    return loader;
  }

  function draw(root) {
    if (typeof vegaEmbed !== "function") return;
    (root || document).querySelectorAll("[data-chart-spec]").forEach(function (element) {
      if (element.dataset.chartDrawn) return;
      var source = document.getElementById(element.dataset.chartSpec);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      // On screen a chart takes the width of its column; the server-side SVG keeps the spec's own width.
      spec.width = "container";
      spec.autosize = { type: "fit-x", contains: "padding" };
      element.dataset.chartDrawn = "true";
      vegaEmbed(element, spec, { actions: false, renderer: "svg", loader: refusingLoader() }).catch(function (error) {
        element.textContent = "The chart could not be drawn: " + error.message;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
