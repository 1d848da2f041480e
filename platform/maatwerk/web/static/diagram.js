// The process diagram on a designer's model page, with the open tasks per step as badges.
// The page lists the same facts in a table, so nothing depends on this script.
(function () {
  "use strict";
  var figure = document.getElementById("diagram");
  if (!figure || typeof window.BpmnJS !== "function") { return; }
  var canvas = document.createElement("div");
  canvas.className = "diagram__canvas";
  figure.insertBefore(canvas, figure.firstChild);
  var counts = JSON.parse(figure.getAttribute("data-counts") || "{}");
  var viewer = new window.BpmnJS({ container: canvas });
  fetch(figure.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      // a picture, not a control: the steps are in the table below for every user
      canvas.querySelectorAll("[tabindex]").forEach(function (el) { el.removeAttribute("tabindex"); });
      var overlays = viewer.get("overlays");
      Object.keys(counts).forEach(function (elementId) {
        var badge = document.createElement("span");
        badge.className = "diagram__badge";
        badge.textContent = String(counts[elementId]);
        try { overlays.add(elementId, { position: { top: -10, right: 10 }, html: badge }); }
        catch (e) { /* the element is not drawn in this diagram */ }
      });
      figure.classList.add("diagram--ready");
    })
    .catch(function () { canvas.remove(); });
}());
