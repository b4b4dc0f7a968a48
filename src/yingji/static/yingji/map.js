/*
 * Yingji map component (Leaflet). No inline script is needed: the production Content-Security-Policy
 * allows scripts from 'self' only. Load leaflet.css, leaflet.js and then this file; every element with
 * a `data-map` attribute becomes a map on DOMContentLoaded (and when htmx inserts one later).
 *
 * Attributes of the map element:
 *   data-map                 marks the element (its height comes from the .map class in app.css).
 *   data-markers             id of a <script type="application/json"> element (Django's json_script)
 *                            holding a list of {lat, lon, label, url}. Items without numeric lat/lon
 *                            are skipped; url is optional (only http(s) or relative links are used).
 *   data-tile-url            tile URL template, e.g. https://tiles.intranet/{z}/{x}/{y}.png. Empty or
 *                            absent: no tile layer at all, a light grey background with the markers
 *                            only. Nothing is ever fetched from the internet by default.
 *   data-tile-attribution    attribution text for the tiles (shown as plain text, not HTML).
 *   data-tile-max-zoom       optional, highest zoom the tile server has (default 18).
 *   data-center, data-zoom   optional view when there are no markers ("lat,lon" and a number;
 *                            default: all of China, zoom 4).
 *   data-empty-text          optional text shown on the map when there are no markers.
 *
 * A marker may also carry `polygon`: a list of [lat, lon] points (an area such as a danger zone). It is
 * drawn as a filled outline in the marker's level colour (1..4 or red / orange / yellow / blue; grey
 * otherwise) with the same popup, and the view fits the polygons as well as the pins. Points that are
 * not numeric pairs within range are dropped; a polygon with fewer than 3 points is not drawn.
 *   data-pick-lat, -lon      optional CSS selectors of a latitude and a longitude input: a click on the
 *                            map fills them (the point is marked), and typed values move the mark.
 *   data-leaflet-images      optional URL of Leaflet's images folder (ends with "/"). By default it is
 *                            derived from this script's own URL: <static>/yingji/map.js ->
 *                            <static>/vendor/leaflet/images/ (which also holds when the manifest storage
 *                            renames map.js to map.<hash>.js). It sets L.Icon.Default.imagePath, which
 *                            Leaflet's own guess gets wrong once the images have hashed names.
 *
 * Markers are drawn as L.divIcon pins styled by .map-pin in app.css, so they need no image file and stay
 * keyboard-focusable. Each marker's popup shows its label as a link, built from DOM nodes: data never
 * goes through innerHTML. One marker: zoom 10 on it; several: fit the map to them.
 *
 * window.YingjiMap.init(root) initialises the maps under root (each element only once).
 */
(function () {
  "use strict";

  if (window.YingjiMap) {
    return; // loaded twice (the partial included twice, or swapped in by htmx)
  }

  var script = document.currentScript;
  var DEFAULT_IMAGES = script && script.src ? new URL("../vendor/leaflet/images/", script.src).href : null;
  var DEFAULT_CENTER = [35.0, 105.0];
  var DEFAULT_ZOOM = 4;
  var SINGLE_ZOOM = 10;

  function readMarkers(el) {
    var id = el.getAttribute("data-markers");
    if (!id) {
      return [];
    }
    var node = document.getElementById(id);
    if (!node) {
      console.warn("yingji map: no element #" + id + " with marker data");
      return [];
    }
    var data;
    try {
      data = JSON.parse(node.textContent || "[]");
    } catch (err) {
      console.warn("yingji map: marker data in #" + id + " is not JSON", err);
      return [];
    }
    if (!Array.isArray(data)) {
      return [];
    }
    return data.filter(function (m) {
      return (
        m &&
        typeof m.lat === "number" &&
        typeof m.lon === "number" &&
        isFinite(m.lat) &&
        isFinite(m.lon) &&
        Math.abs(m.lat) <= 90 &&
        Math.abs(m.lon) <= 180
      );
    });
  }

  function safeHref(url) {
    if (typeof url !== "string" || url === "") {
      return null;
    }
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (err) {
      return null;
    }
  }

  function popupContent(marker) {
    var label = marker.label == null ? "" : String(marker.label);
    var href = safeHref(marker.url);
    var node = document.createElement(href ? "a" : "span");
    node.className = "map-popup-label";
    node.textContent = label || "—";
    if (href) {
      node.href = href;
    }
    return node;
  }

  var POLYGON_COLOURS = {
    1: "#c81e1e", 2: "#f08c00", 3: "#f5c400", 4: "#1c64d8",
    red: "#c81e1e", orange: "#f08c00", yellow: "#f5c400", blue: "#1c64d8",
  };

  function polygonPoints(marker) {
    if (!Array.isArray(marker.polygon)) {
      return [];
    }
    var points = marker.polygon.filter(function (p) {
      return (
        Array.isArray(p) && p.length === 2 &&
        typeof p[0] === "number" && typeof p[1] === "number" &&
        isFinite(p[0]) && isFinite(p[1]) && Math.abs(p[0]) <= 90 && Math.abs(p[1]) <= 180
      );
    });
    return points.length >= 3 ? points.map(function (p) { return L.latLng(p[0], p[1]); }) : [];
  }

  function escapeText(text) {
    // Leaflet's attribution control inserts HTML; the attribution is shown as plain text.
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function parseCenter(value) {
    if (!value) {
      return DEFAULT_CENTER;
    }
    var parts = value.split(",").map(Number);
    return parts.length === 2 && parts.every(isFinite) ? parts : DEFAULT_CENTER;
  }

  function emptyNotice(text) {
    var Notice = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "map-empty-notice");
        div.textContent = text;
        return div;
      },
    });
    return new Notice();
  }

  function createMap(el) {
    var tileUrl = (el.getAttribute("data-tile-url") || "").trim();
    var maxZoom = parseInt(el.getAttribute("data-tile-max-zoom"), 10) || 18;
    var imagesPath = el.getAttribute("data-leaflet-images") || DEFAULT_IMAGES;
    if (imagesPath) {
      L.Icon.Default.imagePath = imagesPath;
    }

    var map = L.map(el, { minZoom: 2, maxZoom: maxZoom, worldCopyJump: true });
    map.attributionControl.setPrefix("Leaflet");

    if (tileUrl) {
      L.tileLayer(tileUrl, {
        maxZoom: maxZoom,
        attribution: escapeText(el.getAttribute("data-tile-attribution") || ""),
      }).addTo(map);
    } else {
      el.classList.add("map-no-tiles");
    }

    var markers = readMarkers(el);
    var latlngs = markers.map(function (m) {
      var latlng = L.latLng(m.lat, m.lon);
      var label = m.label == null ? "" : String(m.label);
      L.marker(latlng, {
        // An optional `level` (1..4, or a colour word) colours the pin: see .map-pin-* in app.css.
        icon: L.divIcon({
          className: "map-pin" + (/^[a-z0-9]+$/.test(String(m.level || "")) ? " map-pin-" + m.level : ""),
          iconSize: [14, 14], iconAnchor: [7, 7], popupAnchor: [0, -6],
        }),
        title: label, // set as an attribute by Leaflet, not as HTML
        alt: label,
        keyboard: true,
        riseOnHover: true,
      })
        .bindPopup(popupContent(m))
        .addTo(map);
      return latlng;
    });

    var areaPoints = [];
    markers.forEach(function (m) {
      var points = polygonPoints(m);
      if (!points.length) {
        return;
      }
      var colour = POLYGON_COLOURS[String(m.level || "")] || "#6c757d";
      L.polygon(points, { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.25 })
        .bindPopup(popupContent(m))
        .addTo(map);
      areaPoints = areaPoints.concat(points);
    });

    if (areaPoints.length) {
      map.fitBounds(L.latLngBounds(latlngs.concat(areaPoints)), {
        padding: [24, 24], maxZoom: Math.min(16, maxZoom),
      });
    } else if (latlngs.length === 1) {
      map.setView(latlngs[0], Math.min(SINGLE_ZOOM, maxZoom));
    } else if (latlngs.length > 1) {
      map.fitBounds(L.latLngBounds(latlngs), { padding: [24, 24], maxZoom: Math.min(14, maxZoom) });
    } else {
      var zoom = parseInt(el.getAttribute("data-zoom"), 10);
      map.setView(parseCenter(el.getAttribute("data-center")), isFinite(zoom) ? zoom : DEFAULT_ZOOM);
      var text = el.getAttribute("data-empty-text");
      if (text) {
        emptyNotice(text).addTo(map);
      }
    }

    enablePicking(map, el);

    // The container may change size without a window resize (collapsed panels, tabs, layout changes).
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        map.invalidateSize();
      }).observe(el);
    }
    return map;
  }

  // data-pick-lat / data-pick-lon: CSS selectors of two inputs; a click on the map writes the point into them
  // (6 decimals, as the database keeps them) and marks it, and typed values move the mark.
  function enablePicking(map, el) {
    var lat = document.querySelector(el.getAttribute("data-pick-lat") || "#-none");
    var lon = document.querySelector(el.getAttribute("data-pick-lon") || "#-none");
    if (!lat || !lon) {
      return;
    }
    var pin = null;
    function place(latlng) {
      var icon = L.divIcon({ className: "map-pin map-pin-picked", iconSize: [16, 16], iconAnchor: [8, 8] });
      if (pin) {
        pin.setLatLng(latlng);
      } else {
        pin = L.marker(latlng, { icon: icon, keyboard: false }).addTo(map);
      }
    }
    function fromInputs() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(L.latLng(a, b));
      }
    }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      place(event.latlng);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    });
    lat.addEventListener("change", fromInputs);
    lon.addEventListener("change", fromInputs);
    fromInputs();
  }

  function init(root) {
    if (typeof L === "undefined") {
      console.error("yingji map: Leaflet (vendor/leaflet/leaflet.js) is not loaded");
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var elements = Array.prototype.slice.call(scope.querySelectorAll("[data-map]"));
    if (scope.matches && scope.matches("[data-map]")) {
      elements.unshift(scope);
    }
    elements.forEach(function (el) {
      if (el.yingjiMap) {
        return;
      }
      try {
        el.yingjiMap = createMap(el);
      } catch (err) {
        console.error("yingji map: could not create the map", el, err);
      }
    });
  }

  window.YingjiMap = { init: init };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
  // htmx fires htmx:load for content it swaps in.
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
})();
