// The process diagram on a designer's model page, coloured by the measure chosen (heatmap),
// and on a case page, with the case's path: done (how often), open now, deviated.
// Each page lists the same facts in a table, so nothing depends on this script.
(function () {
  "use strict";
  function drawPath(viewer, path) {
    var canvas = viewer.get("canvas"), overlays = viewer.get("overlays");
    Object.keys(path).forEach(function (elementId) {
      var step = path[elementId];
      try {
        if (step.done) { canvas.addMarker(elementId, "path-done"); }
        if (step.open) { canvas.addMarker(elementId, "path-open"); }
        if (step.passed_over && !step.done && !step.open) {
          canvas.addMarker(elementId, "path-passed");
        }
        if (step.deviations.length || step.led_here.length) {
          canvas.addMarker(elementId, "path-deviated");
        }
        if (step.done > 1) {
          var badge = document.createElement("span");
          badge.className = "diagram__badge diagram__badge--done";
          badge.textContent = step.done + "×";
          overlays.add(elementId, { position: { top: -10, right: 10 }, html: badge });
        }
      } catch (e) { /* the element is not drawn in this diagram */ }
    });
  }
  var figure = document.getElementById("diagram");
  if (!figure || typeof window.BpmnJS !== "function") { return; }
  var canvas = document.createElement("div");
  canvas.className = "diagram__canvas";
  figure.insertBefore(canvas, figure.firstChild);
  var heat = JSON.parse(figure.getAttribute("data-heat") || "{}");
  var viewer = new window.BpmnJS({ container: canvas });
  fetch(figure.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      // a picture, not a control: the steps are in the table below for every user
      canvas.querySelectorAll("[tabindex]").forEach(function (el) { el.removeAttribute("tabindex"); });
      var overlays = viewer.get("overlays");
      viewer.get("eventBus").on("element.click", function (event) {
        var shown = heat[event.element.id];  // a step with deviations: its register
        if (shown && shown.link) { window.location.href = shown.link; }
      });
      Object.keys(heat).forEach(function (elementId) {
        var badge = document.createElement("span");
        badge.className = "diagram__badge";
        badge.textContent = heat[elementId].label;
        try {
          viewer.get("canvas").addMarker(elementId, "heat-" + heat[elementId].level);
          overlays.add(elementId, { position: { top: -10, right: 10 }, html: badge });
        } catch (e) { /* the element is not drawn in this diagram */ }
      });
      drawPath(viewer, JSON.parse(figure.getAttribute("data-path") || "{}"));
      figure.classList.add("diagram--ready");
    })
    .catch(function () { canvas.remove(); });
}());
