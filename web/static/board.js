// The stage board's drag: where the pointer is precise, a card with a move form can be dropped on another
// column, which sends that form with the column's stage. The buttons stay for keyboards and touch.
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(pointer: fine)").matches) return;

  function start() {
    var dragged = null;
    document.querySelectorAll(".board .card").forEach(function (card) {
      if (!card.querySelector("form.move")) return;
      card.draggable = true;
      card.addEventListener("dragstart", function (event) {
        dragged = card;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.dataset.title || card.id);
        card.classList.add("dragging");
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("dragging");
        dragged = null;
      });
    });
    document.querySelectorAll(".board .column[data-stage]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragged || column.contains(dragged)) return;
        event.preventDefault();
        column.classList.add("drop-here");
      });
      column.addEventListener("dragleave", function () {
        column.classList.remove("drop-here");
      });
      column.addEventListener("drop", function (event) {
        column.classList.remove("drop-here");
        if (!dragged || column.contains(dragged)) return;
        event.preventDefault();
        var form = dragged.querySelector("form.move");
        form.elements.to.value = column.dataset.stage;
        form.requestSubmit();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
