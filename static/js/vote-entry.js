// Vote-day grid: live tally, Y/N/A/X rows that move on by themselves, filters.
(function () {
  "use strict";
  var form = document.getElementById("vote-entry-form");
  if (!form) {
    return;
  }
  var VALID = ["Y", "N", "A", "X"];
  var SC_MAJORITY = 9;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.pos-input"));
  var filter = document.getElementById("grid-filter");
  var group = document.getElementById("grid-group");
  var shown = document.getElementById("grid-shown");

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function rowOf(input) {
    return input.closest("tr");
  }

  inputs.forEach(function (input) {
    rowOf(input).dataset.key = fold(rowOf(input).dataset.name || "");
  });

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) {
      element.textContent = value;
    }
  }

  function update() {
    var counts = { Y: 0, N: 0, A: 0, X: 0 };
    var blank = 0;
    var changed = 0;
    var vetoed = false;
    inputs.forEach(function (input) {
      var value = input.value.trim().toUpperCase();
      var was = input.dataset.was || "";
      var valid = VALID.indexOf(value) !== -1;
      input.classList.toggle("is-invalid", value !== "" && !valid);
      rowOf(input).classList.toggle("row-changed", value !== was);
      if (value !== was) {
        changed += 1;
      }
      if (valid) {
        counts[value] += 1;
        if (value === "N" && input.dataset.permanent) {
          vetoed = true;
        }
      } else {
        blank += 1;
      }
    });
    VALID.forEach(function (position) {
      text("tally-" + position, counts[position]);
    });
    text("tally-blank", blank);
    text("tally-changed", changed ? changed + " unsaved " + (changed === 1 ? "change." : "changes.") : "");
    var outcome;
    if (counts.Y + counts.N + counts.A + counts.X === 0) {
      outcome = "Nothing entered yet.";
    } else if (form.dataset.body === "SC") {
      outcome = counts.Y >= SC_MAJORITY && !vetoed ? "Adopted if this stands." : vetoed ? "Vetoed by a permanent member." : "Rejected if this stands: fewer than nine yes votes.";
    } else {
      outcome = counts.Y > counts.N ? "Adopted if this stands (yes outnumbers no)." : "Rejected if this stands (yes does not outnumber no).";
    }
    text("tally-outcome", outcome);
  }

  function visibleInputs() {
    return inputs.filter(function (input) {
      return !rowOf(input).hidden;
    });
  }

  function move(input, step) {
    var visible = visibleInputs();
    var next = visible[visible.indexOf(input) + step];
    if (next) {
      next.focus();
    }
  }

  form.addEventListener("focusin", function (event) {
    if (event.target.matches("input.pos-input")) {
      event.target.select();
    }
  });

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches("input.pos-input")) {
      return;
    }
    input.value = input.value.trim().toUpperCase();
    update();
    if (VALID.indexOf(input.value) !== -1) {
      move(input, 1);
    }
  });

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (input === filter && event.key === "Enter") {
      event.preventDefault();
      var first = visibleInputs()[0];
      if (first) {
        first.focus();
      }
      return;
    }
    if (!input.matches("input.pos-input")) {
      return;
    }
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault();
      move(input, 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(input, -1);
    }
  });

  function applyFilter() {
    var query = fold(filter.value.trim());
    var wanted = group.value;
    var count = 0;
    inputs.forEach(function (input) {
      var row = rowOf(input);
      var match = (!query || row.dataset.key.indexOf(query) !== -1) && (!wanted || row.dataset.group === wanted);
      row.hidden = !match;
      if (match) {
        count += 1;
      }
    });
    shown.textContent = count;
  }

  if (filter && group) {
    filter.addEventListener("input", applyFilter);
    group.addEventListener("change", applyFilter);
  }
  update();
})();
