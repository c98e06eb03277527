// Live SIOPEN skeletal total of the assessment form (a convenience only:
// the server computes the total with mibg-response when the form is saved).
(function () {
  "use strict";
  var out = document.getElementById("siopen-total");
  if (!out) { return; }
  var segs = document.querySelectorAll("select.segment");
  function update() {
    var sum = 0, ne = 0, missing = 0;
    segs.forEach(function (s) {
      if (s.value === "") { missing += 1; }
      else if (s.value === "NE") { ne += 1; }
      else { sum += parseInt(s.value, 10); }
    });
    if (missing > 0) {
      out.textContent = sum + " so far (" + missing + " segment(s) not scored yet)";
    } else if (ne > 0) {
      out.textContent = sum + "–" + (sum + 6 * ne) + " (" + ne + " not assessable)";
    } else {
      out.textContent = String(sum) + " of 72";
    }
  }
  segs.forEach(function (s) { s.addEventListener("change", update); });
  update();
})();
