/* Staff dashboards: draws each panel's chart with the vendored Chart.js from the JSON the page embeds
   ({{ chart_data|json_script:"dashboard-charts" }}); numbers are formatted for the page language with Intl.
   No inline script (CSP): this file is loaded with defer after vendor/chartjs/chart.umd.js. Every chart has
   the same figures in a data table next to it, so nothing is lost without JavaScript. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (error) { return null; }
  }

  function formatters(text) {
    var language = text.language || document.documentElement.lang || "en";
    var currency = text.currency || "EUR";
    function make(options) {
      try { return new Intl.NumberFormat(language, options); } catch (error) { return new Intl.NumberFormat("en", options); }
    }
    var money = make({ style: "currency", currency: currency, maximumFractionDigits: 0 });
    var moneyCompact = make({ style: "currency", currency: currency, notation: "compact", maximumFractionDigits: 1 });
    var number = make({ maximumFractionDigits: 1 });
    var compact = make({ notation: "compact", maximumFractionDigits: 1 });
    var percent = make({ style: "percent", maximumFractionDigits: 1 });
    function unit(template, value) { return (template || "%(value)s").replace("%(value)s", number.format(value)); }
    return {
      full: function (format, value) {
        if (value === null || value === undefined) { return text.noData || "—"; }
        switch (format) {
          case "money": return money.format(value);
          case "percent": return percent.format(value / 100);
          case "days": return unit(text.days, value);
          case "hours": return unit(text.hours, value);
          case "ratio": return unit(text.ratio, value);
          default: return number.format(value);
        }
      },
      axis: function (format, value) {
        switch (format) {
          case "money": return moneyCompact.format(value);
          case "percent": return percent.format(value / 100);
          case "days": case "hours": case "ratio": case "score": return number.format(value);
          default: return compact.format(value);
        }
      }
    };
  }

  function draw(canvas, spec, fmt) {
    var line = spec.kind === "line";
    var datasets = spec.datasets.map(function (set) {
      var entry = {
        label: set.label,
        data: set.data,
        backgroundColor: set.color,
        borderColor: set.color,
        borderWidth: line ? 2 : 0,
        spanGaps: false,
        pointRadius: line ? 3 : 0
      };
      if (spec.stacked && set.stack) { entry.stack = set.stack; }
      return entry;
    });
    var yScale = {
      beginAtZero: true,
      stacked: !!spec.stacked,
      ticks: { callback: function (value) { return fmt.axis(spec.format, value); } }
    };
    if (spec.format === "score" && line) { yScale.max = 10; }
    if (spec.format === "percent") { yScale.max = 100; }
    return new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: !!spec.stacked, grid: { display: false } }, y: yScale },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + fmt.full(spec.format, context.raw);
              }
            }
          }
        }
      }
    });
  }

  function init() {
    if (!window.Chart) { return; }
    var charts = readJson("dashboard-charts") || {};
    var text = readJson("dashboard-text") || {};
    var fmt = formatters(text);
    var styles = window.getComputedStyle(document.body);
    window.Chart.defaults.font.family = styles.fontFamily;
    window.Chart.defaults.color = "#4f5b6f";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = charts[canvas.getAttribute("data-chart")];
      if (spec && spec.labels && spec.labels.length) { draw(canvas, spec, fmt); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
