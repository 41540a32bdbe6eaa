/* Sigap back office: small progressive enhancements (pages work without this file). */
(function () {
  "use strict";
  // Ask before a destructive form (data-confirm="question") is sent.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // A file over the upload limit is stopped here with the server's own words, before
  // it travels: the server closes the connection on a body past its limit, which a
  // browser shows as a reset instead of the message.
  document.addEventListener("change", function (event) {
    var input = event.target, limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (!limit || !input.files) { return; }
    var tooBig = Array.prototype.some.call(input.files, function (f) { return f.size > limit; });
    input.setCustomValidity(tooBig ? input.getAttribute("data-too-big") : "");
    if (tooBig) { input.reportValidity(); }
  });
  // A complaint's location on a map, when Leaflet is loaded and the tiles reachable;
  // the coordinates are always printed beside it.
  function drawMap() {
    var box = document.getElementById("map");
    if (!box || !window.L) { return; }
    var lat = parseFloat(box.dataset.lat), lon = parseFloat(box.dataset.lon);
    var map = window.L.map(box).setView([lat, lon], 16);
    window.L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
    window.L.marker([lat, lon]).addTo(map);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawMap);
  } else { drawMap(); }
})();
