// Letter editor: the help panel's placeholder buttons insert their text at the cursor.
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  if (!body) {
    return;
  }
  document.querySelectorAll("[data-insert]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-insert");
      var start = body.selectionStart;
      var end = body.selectionEnd;
      body.setRangeText(text, start, end, "end");
      body.focus();
    });
  });
})();
