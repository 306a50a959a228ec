// Charts drawn with plotly.js (the bundle from the plotly wheel, served by the app as
// /ui/vendor/plotly.min.js). Every chart also gets an aria-label summary; the tables next to
// the charts carry the same numbers for keyboard and screen-reader users.

import { currentLanguage, t } from "./i18n.js";

const CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
};
// Plotly reads labels as a small HTML subset (<b>, <a>, <br>); user text must show as typed.
const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function plain(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const COLORS = { neg: "#c0392b", pos: "#1e8449", neutral: "#5d6d7e", accent: "#1f5fa8" };

function baseLayout(extra = {}) {
  const german = currentLanguage() === "de";
  return {
    // plotly.js ships English only: numbers and dates are formatted for German by hand.
    separators: german ? ",." : ".,",
    autosize: true,
    margin: { l: 56, r: 16, t: 12, b: 48 },
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 13 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    hoverlabel: { namelength: -1 },
    ...extra,
  };
}

/** Whole-number ticks for small counts (no "0.5 answers"). */
function countAxis(values) {
  const most = Math.max(0, ...values.filter((v) => typeof v === "number"));
  return most < 10 ? { dtick: 1, tick0: 0 } : {};
}

function dateAxis() {
  return { type: "date", tickformat: currentLanguage() === "de" ? "%d.%m.%Y" : "%b %d, %Y" };
}

// plotly's "responsive" follows window resizes only; grid columns also change when a table
// next to a chart fills or the language changes, so every chart follows its own box.
const resizer = typeof ResizeObserver === "function"
  ? new ResizeObserver((entries) => {
      for (const entry of entries) {
        if (entry.target.classList.contains("js-plotly-plot")) window.Plotly?.Plots.resize(entry.target);
      }
    })
  : null;

function draw(node, data, layout, label) {
  node.setAttribute("aria-label", label);
  if (!window.Plotly) {
    node.textContent = t("chart.unavailable");
    return;
  }
  window.Plotly.react(node, data, baseLayout(layout), CONFIG);
  if (resizer && !node.dataset.observed) {
    node.dataset.observed = "true";
    resizer.observe(node);
  }
}

export function clearChart(node) {
  if (window.Plotly) window.Plotly.purge(node);
  delete node.dataset.pickBound;
  node.replaceChildren();
}

function empty(node, label) {
  clearChart(node);
  node.setAttribute("aria-label", label);
  node.append(Object.assign(document.createElement("p"), { className: "hint", textContent: label }));
}

/**
 * Touchpoints as bubbles: x = answers, y = KPI, size = priority (KPI points the touchpoint
 * costs overall); the top priority is red. Clicking a bubble picks the touchpoint.
 */
export function priorityChart(node, rows, kpiName, overallKpi, onPick) {
  const shown = rows.filter((r) => r.name !== null);
  if (!shown.length) return empty(node, t("empty.data"));
  const most = Math.max(1e-9, ...shown.map((r) => r.priority ?? 0));
  const data = [
    {
      type: "scatter",
      mode: "markers+text",
      x: shown.map((r) => r.count),
      y: shown.map((r) => r.kpi),
      text: shown.map((r) => plain(r.name)),
      customdata: shown.map((r) => [r.name, r.rank ?? "–"]),
      textposition: "top center",
      cliponaxis: false,
      marker: {
        size: shown.map((r) => 16 + 30 * Math.sqrt(Math.max(0, r.priority ?? 0) / most)),
        color: shown.map((r) => (r.rank === 1 ? COLORS.neg : COLORS.accent)),
        opacity: 0.7,
        line: { width: 1, color: "#fff" },
      },
      hovertemplate: `%{text}<br>${t("col.count")}: %{x}<br>${kpiName}: %{y:.1f}<br>${t("col.rank")}: %{customdata[1]}<extra></extra>`,
    },
  ];
  const shapes = [];
  if (overallKpi !== null && overallKpi !== undefined) {
    shapes.push({
      type: "line", xref: "paper", x0: 0, x1: 1, y0: overallKpi, y1: overallKpi,
      line: { dash: "dot", color: COLORS.neutral, width: 1.5 },
    });
  }
  const ys = shown.map((r) => r.kpi).filter((v) => v !== null);
  const pad = Math.max(5, (Math.max(...ys) - Math.min(...ys)) * 0.2);
  draw(
    node,
    data,
    {
      xaxis: { title: { text: t("col.count") }, rangemode: "tozero", zeroline: false },
      yaxis: { title: { text: kpiName }, range: ys.length ? [Math.min(...ys) - pad, Math.max(...ys) + pad] : undefined },
      shapes,
      annotations: overallKpi === null || overallKpi === undefined ? [] : [{
        xref: "paper", x: 0, y: overallKpi, xanchor: "left", yanchor: "top", showarrow: false,
        text: t("priority.overall"), font: { size: 11, color: COLORS.neutral },
      }],
    },
    t("priority.aria", { n: shown.length }),
  );
  if (onPick && typeof node.on === "function" && !node.dataset.pickBound) {
    node.dataset.pickBound = "true";
    node.on("plotly_click", (event) => node._onPick?.(event.points[0].customdata[0]));
  }
  node._onPick = onPick;
}

function shorten(label, max) {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** Driver impact per theme, with the interval as whiskers; negative effects in red. */
export function driverChart(node, themes) {
  const rows = themes.filter((th) => th.effect !== null).slice().sort((a, b) => a.effect - b.effect);
  if (!rows.length) return empty(node, t("empty.drivers"));
  // Narrow screens get shorter axis labels; the hover shows the whole label.
  const max = node.clientWidth && node.clientWidth < 500 ? 18 : 34;
  draw(
    node,
    [
      {
        type: "bar",
        orientation: "h",
        x: rows.map((r) => r.effect),
        y: rows.map((_, i) => i),
        customdata: rows.map((r) => [plain(r.label), r.n ?? r.count]),
        error_x: {
          type: "data",
          symmetric: false,
          array: rows.map((r) => (r.effectHigh ?? r.effect) - r.effect),
          arrayminus: rows.map((r) => r.effect - (r.effectLow ?? r.effect)),
          color: "#333",
          thickness: 1.2,
        },
        marker: {
          color: rows.map((r) => (r.effect < 0 ? COLORS.neg : COLORS.pos)),
          opacity: rows.map((r) => (r.lowN ? 0.45 : 0.9)),
        },
        hovertemplate: `%{customdata[0]}<br>${t("driver.axis")}: %{x:.2f}<extra></extra>`,
      },
    ],
    {
      margin: { l: 8, r: 16, t: 12, b: 48 },
      xaxis: { title: { text: t("driver.axis") }, zeroline: true, zerolinewidth: 2 },
      // Positions as categories, labels as tick texts: two labels shortened alike stay two bars.
      yaxis: {
        automargin: true,
        tickmode: "array",
        tickvals: rows.map((_, i) => i),
        ticktext: rows.map((r) => plain(shorten(r.label, max))),
        range: [-0.6, rows.length - 0.4],
      },
      height: Math.max(220, 34 * rows.length + 90),
    },
    t("driver.aria", { n: rows.length }),
  );
}

/**
 * Over time: series = [{name, x: [dates], y: [values], kind: "bar"|"line", axis: "y"|"y2"}].
 * A second axis (y2) carries the KPI next to the answer counts.
 */
export function trendChart(node, series, yTitle, y2Title, y2Range) {
  if (!series.length || series.every((s) => !s.x.length)) return empty(node, t("empty.trend"));
  const palette = [COLORS.accent, COLORS.neg, COLORS.pos, COLORS.neutral];
  const data = series.map((s, i) => ({
    type: s.kind === "bar" ? "bar" : "scatter",
    mode: s.kind === "bar" ? undefined : "lines+markers",
    name: plain(s.name),
    x: s.x,
    y: s.y,
    yaxis: s.axis === "y2" ? "y2" : "y",
    connectgaps: true,
    marker: { color: palette[i % palette.length], opacity: s.kind === "bar" ? 0.55 : 1 },
  }));
  const layout = {
    xaxis: dateAxis(),
    yaxis: { title: { text: yTitle }, rangemode: "tozero", ...countAxis(series.filter((x) => x.axis !== "y2").flatMap((x) => x.y)) },
    legend: { orientation: "h", y: -0.2 },
    showlegend: series.length > 1,
    margin: { l: 56, r: y2Title ? 56 : 16, t: 12, b: 48 },
  };
  if (y2Title) {
    layout.yaxis2 = { title: { text: y2Title }, overlaying: "y", side: "right", showgrid: false, zeroline: false, range: y2Range, tickmode: "auto", nticks: 5 };
  }
  draw(node, data, layout, t("trend.aria", { n: series.length }));
}

/** Bars of the KPI scores: bins = [{label, count}]. */
export function distributionChart(node, bins, xTitle) {
  if (!bins.length) return empty(node, t("empty.data"));
  draw(
    node,
    [{ type: "bar", x: bins.map((b) => String(b.label)), y: bins.map((b) => b.count), marker: { color: COLORS.accent } }],
    {
      xaxis: { title: { text: xTitle }, type: "category" },
      yaxis: { title: { text: t("col.count") }, ...countAxis(bins.map((b) => b.count)) },
    },
    t("kpi.aria"),
  );
}
