/*
 * Hazard statistics: a bar chart of hazards by colour level (ECharts, served locally). Reads the JSON of
 * #hazard-chart-data ({levels: [...], counts: [...]}) and draws into #hazard-chart. No inline script (CSP).
 */
(function () {
  "use strict";
  var COLOURS = ["#c81e1e", "#f08c00", "#f5c400", "#1c64d8", "#adb5bd"];
  function draw() {
    var el = document.getElementById("hazard-chart");
    var node = document.getElementById("hazard-chart-data");
    if (!el || !node || typeof echarts === "undefined") {
      return;
    }
    var data;
    try {
      data = JSON.parse(node.textContent || "{}");
    } catch (err) {
      return;
    }
    var chart = echarts.init(el);
    chart.setOption({
      grid: { left: 40, right: 10, top: 10, bottom: 30 },
      tooltip: {},
      xAxis: { type: "category", data: data.levels || [] },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        type: "bar",
        data: (data.counts || []).map(function (v, i) {
          return { value: v, itemStyle: { color: COLOURS[i] || COLOURS[4] } };
        }),
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
