// Fields shown only for one answer to another field (forms/conditions.py): hide and reveal
// them as that answer changes. The server applies the same rule to what is sent, so a value
// left in a hidden field is never stored. Without JavaScript every field stays visible, with
// its condition written above it.
(function () {
  "use strict";

  // The answer of the inputs named `name` as the texts a condition compares with (as
  // conditions.answer_texts does on the server).
  function answerTexts(form, name, type) {
    var texts = [];
    var inputs = form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]');
    inputs.forEach(function (input) {
      if (type === "checkbox") {
        texts.push(input.checked ? "true" : "false");
      } else if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) {
          texts.push(input.value);
        }
      } else if (input.value.trim() !== "") {
        var value = input.value.trim();
        if (type === "number") {
          var plain = value.indexOf(",") === -1 ? value
            : value.replace(/\./g, "").replace(",", ".");  // Dutch: 1.250,50
          var number = Number(plain);
          value = isNaN(number) ? value : String(number);
        }
        texts.push(value);
      }
    });
    return texts;
  }

  function update(form) {
    var blocks = form.querySelectorAll(".maatwerk-conditional");
    // twice: a condition may depend on a field further down the form
    for (var round = 0; round < 2; round += 1) {
      blocks.forEach(function (block) {
        var name = block.dataset.shownWhen;
        var triggerBlock = form.querySelector(
          '.maatwerk-conditional[data-field-name="' + name.replace(/"/g, '\\"') + '"]');
        var texts = triggerBlock && triggerBlock.hidden
          ? JSON.parse(triggerBlock.dataset.hiddenAnswer || "[]")
          : answerTexts(form, name, block.dataset.shownType);
        var matches = texts.indexOf(block.dataset.shownValue) !== -1;
        block.hidden = matches !== (block.dataset.shownShow === "true");
      });
    }
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector(".maatwerk-conditional")) {
      return;
    }
    form.classList.add("maatwerk-conditions-live");
    form.addEventListener("change", function () { update(form); });
    form.addEventListener("input", function () { update(form); });
    update(form);
  });
})();
