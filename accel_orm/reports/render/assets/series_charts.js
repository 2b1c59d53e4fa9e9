/* accel_orm report: draws one uPlot chart per changed series from the JSON in #series-data.
 * Hover a point: value, time, run/commit and device. Drag across the plot: zoom the time axis.
 * Double-click: back to the whole series. Text goes into the page through textContent only, never as HTML. */
(function () {
  "use strict";
  var source = document.getElementById("series-data");
  if (!source || typeof uPlot === "undefined") return;
  var data = JSON.parse(source.textContent);
  var COLOURS = {
    regression: { line: "#b42318", band: "rgba(180, 35, 24, 0.08)" },
    improvement: { line: "#1a7f37", band: "rgba(26, 127, 55, 0.08)" },
  };
  var MUTED = "#59636e";
  var PREVIOUS_BAND = "rgba(89, 99, 110, 0.07)";
  var GRID = "#eaeef2";
  var HEIGHT = 170;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function formatTime(seconds) {
    var d = new Date(seconds * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }
  function formatValue(v) {
    var digits = Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 1 ? 2 : 4;
    return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  // One line per tick, in UTC: "Nov 25", or "14:00" when zoomed in to less than two days.
  function timeTicks(u, splits) {
    var span = u.scales.x.max - u.scales.x.min;
    return splits.map(function (s) {
      var d = new Date(s * 1000);
      return span < 2 * 86400 ? pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes())
        : MONTHS[d.getUTCMonth()] + " " + d.getUTCDate();
    });
  }
  function compact(v) {
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(1).replace(/\.0$/, "") + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(0) + "k";
    if (a >= 1e3) return (v / 1e3).toFixed(1).replace(/\.0$/, "") + "k";
    return String(Math.round(v * 100) / 100);
  }

  // Shade the current window (from current_from to the right edge) and draw a labelled rule at each mark; the
  // labels sit in the padding above the plot, where no point can hide them.
  function windowsPlugin(panel, colours) {
    return {
      hooks: {
        drawClear: function (u) {
          if (panel.current_from == null) return;
          var box = u.bbox, right = box.left + box.width;
          function band(from, to, colour) {
            var x0 = Math.max(box.left, u.valToPos(from, "x", true));
            var x1 = Math.min(right, u.valToPos(to, "x", true));
            if (x1 <= x0) return;
            u.ctx.save();
            u.ctx.fillStyle = colour;
            u.ctx.fillRect(x0, box.top, x1 - x0, box.height);
            u.ctx.restore();
          }
          if (panel.previous_from != null) band(panel.previous_from, panel.current_from, PREVIOUS_BAND);
          band(panel.current_from, u.scales.x.max, colours.band);
        },
        draw: function (u) {
          var box = u.bbox, ratio = uPlot.pxRatio, ctx = u.ctx;
          panel.marks.forEach(function (mark) {
            var x = Math.round(u.valToPos(mark.t, "x", true));
            if (x < box.left || x > box.left + box.width) return;
            ctx.save();
            ctx.strokeStyle = MUTED;
            ctx.lineWidth = ratio;
            ctx.setLineDash([4 * ratio, 3 * ratio]);
            ctx.beginPath();
            ctx.moveTo(x, box.top);
            ctx.lineTo(x, box.top + box.height);
            ctx.stroke();
            ctx.fillStyle = MUTED;
            ctx.font = 11 * ratio + "px sans-serif";
            ctx.fillText(mark.label, x + 3 * ratio, box.top - 4 * ratio);
            ctx.restore();
          });
        },
      },
    };
  }

  function tooltipPlugin(panel, tip) {
    return {
      hooks: {
        setCursor: function (u) {
          var i = u.cursor.idx;
          if (i == null || u.cursor.left == null || u.cursor.left < 0) { tip.hidden = true; return; }
          tip.textContent = formatValue(panel.y[i]) + " " + panel.unit + "\n" + formatTime(panel.t[i]) +
            "\nrun: " + (panel.run[i] == null ? "—" : panel.run[i]) +
            "\ndevice: " + (panel.device[i] == null ? "—" : panel.device[i]);
          tip.hidden = false;
          var x = u.valToPos(panel.t[i], "x"), y = u.valToPos(panel.y[i], "y");
          var left = x + 12;
          if (left + tip.offsetWidth > u.over.clientWidth) left = x - tip.offsetWidth - 12;
          tip.style.left = Math.max(0, left) + "px";
          tip.style.top = Math.max(0, Math.min(y - tip.offsetHeight / 2, u.over.clientHeight - tip.offsetHeight)) + "px";
        },
      },
    };
  }

  var charts = [];
  data.panels.forEach(function (panel) {
    var el = document.getElementById(panel.id);
    if (!el) return;
    var colours = COLOURS[panel.direction] || COLOURS.regression;
    var tip = document.createElement("div");
    tip.className = "chart-tip";
    tip.hidden = true;
    var axis = { stroke: MUTED, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } };
    var options = {
      width: Math.max(240, el.clientWidth),
      height: HEIGHT,
      tzDate: function (seconds) { return uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"); },
      legend: { show: false },
      padding: [16, 12, 0, 0],
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 8, fill: colours.line } },
      scales: { x: { time: true } },
      series: [
        {},
        { label: panel.label, stroke: colours.line, width: 1.5, points: { show: true, size: 4, fill: colours.line } },
      ],
      axes: [
        Object.assign({ size: 30, values: timeTicks }, axis),
        Object.assign({ size: 52, values: function (u, splits) { return splits.map(compact); } }, axis),
      ],
      plugins: [windowsPlugin(panel, colours), tooltipPlugin(panel, tip)],
    };
    var chart = new uPlot(options, [panel.t, panel.y], el);
    chart.over.appendChild(tip);
    chart.over.setAttribute("aria-label", panel.label + ": drag to zoom the time axis, double-click to reset");
    charts.push({ el: el, chart: chart });
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.chart.setSize({ width: Math.max(240, c.el.clientWidth), height: HEIGHT }); });
  });
  window.accelOrmCharts = charts.map(function (c) { return c.chart; });
})();
