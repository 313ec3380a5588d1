// Hovering an event on the time axis highlights its row in the table below.
document.querySelectorAll("circle.event").forEach(function (dot) {
  var row = document.getElementById("event-" + dot.dataset.index);
  if (!row) return;
  dot.addEventListener("mouseenter", function () { row.classList.add("highlight"); });
  dot.addEventListener("mouseleave", function () { row.classList.remove("highlight"); });
  dot.addEventListener("click", function () { row.scrollIntoView({ block: "center" }); });
});
// Changing the rule filter applies the filters at once.
var rule = document.getElementById("filter-rule");
if (rule) rule.addEventListener("change", function () { document.getElementById("filters").submit(); });
