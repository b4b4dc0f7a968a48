/*
 * Draws warning areas (polygons and circles) on maps made by yingji/map.js. A map element names a JSON script
 * in `data-shapes`: {"polygons": [[[lat, lon], ...]], "circles": [{"lat", "lon", "radius_km"}], "level"} or a
 * list of those. Load after map.js (both deferred): map.js has made the map (el.yingjiMap) by then.
 */
(function () {
  "use strict";
  var COLOURS = { red: "#c81e1e", orange: "#f08c00", yellow: "#f5c400", blue: "#1c64d8" };

  function draw(el) {
    var map = el.yingjiMap;
    var node = document.getElementById(el.getAttribute("data-shapes") || "");
    if (!map || !node || el.yingjiShapes) {
      return;
    }
    el.yingjiShapes = true;
    var data;
    try {
      data = JSON.parse(node.textContent || "[]");
    } catch (err) {
      return;
    }
    var layers = [];
    (Array.isArray(data) ? data : [data]).forEach(function (shape) {
      var colour = COLOURS[shape.level] || "#6f42c1";
      (shape.polygons || []).forEach(function (ring) {
        var points = ring.map(function (p) { return [Number(p[0]), Number(p[1])]; });
        layers.push(L.polygon(points, { color: colour, weight: 2 }).addTo(map));
      });
      (shape.circles || []).forEach(function (c) {
        layers.push(L.circle([Number(c.lat), Number(c.lon)], { radius: Number(c.radius_km) * 1000, color: colour }).addTo(map));
      });
    });
    if (layers.length) {
      map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [24, 24] });
    }
  }

  function init() {
    if (typeof L === "undefined") {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-map][data-shapes]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
