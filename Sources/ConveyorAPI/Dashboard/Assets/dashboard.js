// Live figures for the dashboard's pages. Every page works without this script; with it, a
// page whose section names an event stream (data-events) takes each update in place: the
// text of every element named by data-live, and the hour's chart. Nothing accumulates: each
// update replaces what the last one wrote, and the stream closes with the page.
"use strict";

(function () {
  function redraw(chart, series) {
    var width = chart.viewBox.baseVal.width;
    var height = chart.viewBox.baseVal.height - 16;
    var top = 1;
    Object.keys(series).forEach(function (name) {
      series[name].forEach(function (value) { if (value > top) top = value; });
    });
    Object.keys(series).forEach(function (name) {
      var line = chart.querySelector('[data-series="' + name + '"]');
      var values = series[name];
      if (!line || values.length < 2) return;
      var step = width / (values.length - 1);
      line.setAttribute("points", values.map(function (value, index) {
        return (index * step).toFixed(1) + "," + (height - value / top * (height - 2)).toFixed(1);
      }).join(" "));
    });
    var label = chart.querySelector("[data-max]");
    if (label) label.textContent = top.toLocaleString("en-US");
  }

  function apply(update) {
    Object.keys(update.texts || {}).forEach(function (name) {
      document.querySelectorAll('[data-live="' + CSS.escape(name) + '"]').forEach(function (element) {
        if (element.tagName === "PROGRESS") element.value = Number(update.texts[name]);
        else if (element.textContent !== update.texts[name]) element.textContent = update.texts[name];
      });
    });
    if (update.hour) {
      var chart = document.querySelector('[data-chart="hour"]');
      if (chart) redraw(chart, update.hour);
    }
  }

  function listen() {
    var source = document.querySelector("[data-events]");
    if (!source || !window.EventSource) return;
    var stream = new EventSource(source.getAttribute("data-events"));
    stream.addEventListener("figures", function (event) { apply(JSON.parse(event.data)); });
    stream.addEventListener("done", function () { stream.close(); });
    window.addEventListener("pagehide", function () { stream.close(); });
    document.documentElement.setAttribute("data-live-connected", "yes");
  }

  // Forms that ask before they act (data-confirm) say so once more in the browser.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", listen);
  else listen();
})();
