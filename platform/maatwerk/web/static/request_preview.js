// The task page's preview of the request to the resident: what the caseworker types in a
// field shows at once in the message the resident will receive. Without JavaScript the
// preview shows what is stored, or a placeholder.
(function () {
  "use strict";
  document.querySelectorAll("[data-fill-from]").forEach(function (mark) {
    var field = document.querySelector('[name="' + mark.dataset.fillFrom + '"]');
    if (!field) {
      return;
    }
    var update = function () {
      mark.textContent = field.value.trim() || mark.dataset.empty;
    };
    field.addEventListener("input", update);
    update();
  });
})();
