// The researcher screens: touchpoint overview (priority chart + table), themes of one
// touchpoint (sortable table, driver and trend charts, CSV), emerging themes, theme detail.

import { ApiError, downloadCsv } from "./api.js";
import { clearChart, distributionChart, driverChart, priorityChart, trendChart } from "./charts.js";
import { $, clear, el } from "./dom.js";
import { currentLanguage, fmtDate, fmtNumber, fmtPercent, onLanguageChange, t } from "./i18n.js";
import * as insights from "./insights.js";

const state = {
  filters: {},
  touchpoints: [],
  kpiType: null,
  overall: null,
  emerging: new Set(),
  touchpoint: null,
  sort: "impact",
  themes: [],
  column: null, // client-side sort of the theme table: {key, dir}
  themeId: null,
  themeScope: null, // the touchpoint the open theme is read in (null: all)
  nextQuotes: null,
};

let notify = () => {};

function kpiName(type) {
  return t(`kpi.${type || "nps"}`);
}

/** The fixed axis range of a KPI in trend charts, so a few answers do not exaggerate swings. */
function kpiRange(type) {
  return { nps: [-100, 100], csat: [1, 5], ces: [1, 7] }[type || "nps"];
}

/** Every score of the KPI's scale as a bar (0 where no answer gave it). */
function fullScale(bins, type) {
  const [lo, hi] = { nps: [0, 10], csat: [1, 5], ces: [1, 7] }[type || "nps"];
  const counts = new Map(bins.map((b) => [Number(b.label), b.count]));
  const whole = [...counts.keys()].every((k) => Number.isInteger(k) && k >= lo && k <= hi);
  if (!whole) return bins;
  return Array.from({ length: hi - lo + 1 }, (_, i) => ({ label: lo + i, count: counts.get(lo + i) ?? 0 }));
}

function readFilters() {
  const form = $("#filters");
  const data = Object.fromEntries(new FormData(form).entries());
  // Dates from <input type=date> are whole days; `to` is exclusive, so the chosen day is included.
  if (data.to) {
    const next = new Date(`${data.to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    data.to = next.toISOString().slice(0, 10);
  }
  return data;
}

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    window.dispatchEvent(new CustomEvent("nlp:unauthorized"));
    return;
  }
  notify(t("error.load", { message: error.message }), "error");
}

// ----- touchpoint overview -----------------------------------------------------------------

async function loadTouchpoints() {
  try {
    const result = await insights.touchpoints(state.filters);
    state.touchpoints = result.rows;
    state.kpiType = result.kpiType;
    state.overall = result.overall;
  } catch (error) {
    state.touchpoints = [];
    state.overall = null;
    failed(error);
  }
  renderTouchpoints();
}

function renderTouchpoints() {
  const rows = state.touchpoints;
  const table = clear($("#touchpoint-table"));
  table.append(
    el("caption", { class: "sr-only" }, t("touchpoints.title")),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", class: "num" }, t("col.rank")),
      el("th", { scope: "col" }, t("col.touchpoint")),
      el("th", { scope: "col", class: "num" }, t("col.count")),
      el("th", { scope: "col", class: "num" }, kpiName(state.kpiType)),
      el("th", { scope: "col", class: "num" }, t("col.interval")),
      el("th", { scope: "col", class: "num" }, t("col.sentiment")),
    )),
    el("tbody", {}, rows.map((row) =>
      el("tr", { class: row.name !== null && row.name === state.touchpoint ? "selected" : null },
        el("td", { class: "num" }, row.rank ?? "–"),
        el("th", { scope: "row" },
          row.name === null
            ? el("span", { class: "hint" }, t("touchpoint.none"))
            : el("button", {
                type: "button",
                class: "link",
                "aria-pressed": String(row.name === state.touchpoint),
                dataset: { touchpoint: row.name },
                onclick: () => selectTouchpoint(row.name),
              }, row.name)),
        el("td", { class: "num" }, fmtNumber(row.count)),
        el("td", { class: "num" }, fmtNumber(row.kpi, 1)),
        el("td", { class: "num" }, intervalText(row.interval, 1)),
        el("td", { class: "num" }, fmtNumber(row.net, 0)),
      ))),
  );
  if (!rows.length) table.append(el("tbody", {}, el("tr", {}, el("td", { colspan: 6 }, t("empty.data")))));
  // After the table: the grid gives the chart the width the table leaves.
  priorityChart($("#priority-chart"), rows, kpiName(state.kpiType), state.overall?.value, (name) => selectTouchpoint(name));
}

function intervalText([lo, hi], digits) {
  if (lo === null || hi === null) return "–";
  return `${fmtNumber(lo, digits)} … ${fmtNumber(hi, digits)}`;
}

// ----- themes of one touchpoint ------------------------------------------------------------

export async function selectTouchpoint(name) {
  state.touchpoint = name;
  state.themeId = null;
  $("#theme-detail").hidden = true;
  renderTouchpoints();
  const section = $("#tp-detail");
  section.hidden = false;
  $("#themes-title").textContent = t("themes.title", { touchpoint: name });
  await Promise.all([loadThemes(), loadTrend()]);
  section.scrollIntoView({ block: "start", behavior: "smooth" });
}

async function loadThemes() {
  try {
    const result = await insights.themes(state.filters, state.touchpoint, state.sort);
    state.themes = result.rows;
    state.kpiType = result.kpiType ?? state.kpiType;
  } catch (error) {
    state.themes = [];
    failed(error);
  }
  renderThemes();
  driverChart($("#driver-chart"), state.themes);
}

const COLUMNS = [
  { key: "label", label: "col.theme", value: (r) => r.label.toLowerCase() },
  { key: "count", label: "col.count", value: (r) => r.count, num: true, text: (r) => fmtNumber(r.count) },
  { key: "share", label: "col.share", value: (r) => r.share, num: true, text: (r) => fmtPercent(r.share, 1) },
  { key: "net", label: "col.sentiment", value: (r) => r.net, num: true, text: (r) => fmtNumber(r.net, 0) },
  {
    key: "kpi", label: "kpi", value: (r) => r.kpi, num: true,
    text: (r) => (r.kpi === null ? "–" : `${fmtNumber(r.kpi, 1)} [${intervalText(r.interval, 0)}]`),
  },
  {
    key: "removalImpact", label: "col.impact", hint: "col.impact.hint", value: (r) => r.removalImpact ?? r.npsImpact, num: true,
    text: (r) => fmtNumber(r.removalImpact ?? r.npsImpact, 2),
  },
  {
    key: "effect", label: "col.driver", hint: "col.driver.hint", value: (r) => r.effect, num: true,
    text: (r) => (r.effect === null ? "–" : `${fmtNumber(r.effect, 2)} [${intervalText([r.effectLow, r.effectHigh], 2)}]`),
  },
];

function sortedThemes() {
  const rows = state.themes.slice();
  if (!state.column) return rows;
  const column = COLUMNS.find((c) => c.key === state.column.key);
  const dir = state.column.dir === "asc" ? 1 : -1;
  return rows.sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
}

function sortBy(key) {
  const same = state.column && state.column.key === key;
  state.column = { key, dir: same && state.column.dir === "desc" ? "asc" : "desc" };
  renderThemes();
  $(`#theme-table th[data-key="${key}"] button`)?.focus();
}

function renderThemes() {
  const table = clear($("#theme-table"));
  const header = el("tr", {}, COLUMNS.map((c) => {
    const active = state.column && state.column.key === c.key;
    const sort = active ? (state.column.dir === "asc" ? "ascending" : "descending") : "none";
    const label = c.key === "kpi" ? kpiName(state.kpiType) : t(c.label);
    return el("th", { scope: "col", class: c.num ? "num" : null, "aria-sort": sort, title: c.hint ? t(c.hint) : null, dataset: { key: c.key } },
      el("button", { type: "button", class: "sort", onclick: () => sortBy(c.key) },
        label, el("span", { "aria-hidden": "true", class: "arrow" }, active ? (sort === "ascending" ? " ▲" : " ▼") : "")));
  }));
  const body = el("tbody", {}, sortedThemes().map((row) => el("tr", { class: row.lowN ? "low-n" : null },
    el("th", { scope: "row" },
      el("button", {
        type: "button", class: "link", dataset: { themeId: String(row.id) },
        onclick: () => openTheme(row.id),
      }, row.label),
      state.emerging.has(row.id) ? el("span", { class: "badge new" }, t("badge.emerging")) : null,
      row.lowN ? el("span", { class: "badge", title: t("lown.title") }, t("badge.lown")) : null),
    COLUMNS.slice(1).map((c) => el("td", { class: "num" }, c.text(row))),
  )));
  table.append(el("caption", { class: "sr-only" }, t("themes.caption")), el("thead", {}, header), body);
  if (!state.themes.length) body.append(el("tr", {}, el("td", { colspan: COLUMNS.length }, t("empty.themes"))));
}

async function loadTrend() {
  const node = $("#trend-chart");
  try {
    const series = await insights.trends(state.filters, state.touchpoint, undefined, "week");
    const kpi = kpiName(series.kpiType ?? state.kpiType);
    trendChart(node, [
      { name: t("col.count"), x: series.x, y: series.answers, kind: "bar" },
      { name: kpi, x: series.x, y: series.kpi, axis: "y2" },
    ], t("col.count"), kpi, kpiRange(series.kpiType ?? state.kpiType));
  } catch (error) {
    clearChart(node);
    failed(error);
  }
}

async function loadEmerging() {
  const box = $("#emerging");
  try {
    // Across all touchpoints (with the other filters): a rising theme matters wherever it rises.
    const rows = await insights.emerging(state.filters);
    state.emerging = new Set(rows.map((r) => r.id));
    const list = clear($("#emerging-list"));
    list.append(...rows.map((row) => el("li", {},
      el("button", { type: "button", class: "chip new", dataset: { themeId: String(row.id) }, onclick: () => openTheme(row.id, null) },
        row.ratio === null
          ? `${row.label}: ${fmtNumber(row.count)}`
          : t("emerging.item", { label: row.label, count: fmtNumber(row.count), ratio: fmtNumber(row.ratio, 1) }),
        row.isNew ? el("span", { class: "badge new" }, t("badge.emerging")) : null))));
    box.hidden = rows.length === 0;
  } catch (error) {
    state.emerging = new Set();
    box.hidden = true;
    failed(error);
  }
}

// ----- theme detail ------------------------------------------------------------------------

/** Open a theme's detail; `scope` is the touchpoint to read it in (null: all of them). */
export async function openTheme(id, scope = state.touchpoint) {
  state.themeId = id;
  state.themeScope = scope;
  const panel = $("#theme-detail");
  let detail;
  try {
    detail = await insights.theme(id, state.filters, scope);
  } catch (error) {
    failed(error);
    return;
  }
  const th = detail.theme;
  const kpi = kpiName(detail.kpiType ?? state.kpiType);
  panel.hidden = false;
  // Themes (not parent groups, "p3") open in the Codebook screen (codebook.js) for editing.
  $("#theme-to-codebook").dataset.themeId = String(th.id);
  $("#theme-to-codebook").hidden = !/^\d+$/.test(String(th.id));
  $("#theme-detail-title").textContent = scope
    ? t("theme.titleIn", { label: th.label, touchpoint: scope })
    : t("theme.title", { label: th.label });
  clear($("#theme-summary")).append(
    summaryItem(t("col.count"), fmtNumber(th.count)),
    summaryItem(t("col.share"), fmtPercent(th.share, 1)),
    summaryItem(kpi, fmtNumber(th.kpi, 1)),
    summaryItem(t("col.driver"), th.effect === null ? "–" : `${fmtNumber(th.effect, 2)} [${intervalText([th.effectLow, th.effectHigh], 2)}]`),
    summaryItem(t("col.sentiment"), fmtNumber(th.net, 0)),
    summaryItem(t("col.impact"), fmtNumber(th.removalImpact ?? th.npsImpact, 2)),
  );
  const parent = clear($("#theme-parent"));
  parent.hidden = !th.parent;
  if (th.parent) {
    parent.append(`${t("theme.parent")}: `,
      el("button", { type: "button", class: "link", onclick: () => openTheme(`p${th.parent.id}`, state.themeScope) }, th.parent.label));
  }
  clear($("#theme-keywords")).append(...th.keywords.map((k) => el("li", { class: "chip" }, k)));
  const children = clear($("#theme-children"));
  children.append(...detail.children.map((c) => el("li", {},
    el("button", { type: "button", class: "link", onclick: () => openTheme(c.id, state.themeScope) }, c.label),
    ` (${fmtNumber(c.count)})`)));
  if (!detail.children.length) children.append(el("li", { class: "hint" }, t("empty.children")));
  const quotes = clear($("#theme-quotes"));
  showQuotes(detail.quotes, detail.kpiType);
  if (!detail.quotes.length) quotes.append(el("li", { class: "hint" }, t("empty.quotes")));
  state.nextQuotes = detail.nextQuotes;
  $("#theme-more-quotes").hidden = !detail.nextQuotes;
  trendChart($("#theme-trend-chart"), [
    { name: t("col.count"), x: detail.trend.x, y: detail.trend.count, kind: "bar" },
    { name: kpi, x: detail.trend.x, y: detail.trend.kpi, axis: "y2" },
  ], t("col.count"), kpi, kpiRange(detail.kpiType ?? state.kpiType));
  distributionChart($("#theme-kpi-chart"), fullScale(detail.kpiBins, detail.kpiType ?? state.kpiType), kpi);
  panel.scrollIntoView({ block: "start", behavior: "smooth" });
  panel.focus({ preventScroll: true });
}

function showQuotes(items, kpiType) {
  const kpi = kpiName(kpiType ?? state.kpiType);
  $("#theme-quotes").append(...items.map((q) => el("li", { class: `quote ${q.sentiment ?? ""}` },
    el("blockquote", {}, q.text),
    el("p", { class: "meta" }, [
      q.sentiment ? t(`sentiment.${q.sentiment}`) : null,
      q.kpi !== null ? `${kpi} ${fmtNumber(q.kpi)}` : null,
      q.touchpoint,
      q.language,
      q.date ? fmtDate(q.date) : null,
    ].filter(Boolean).join(" · ")))));
}

/** The next page of quotes of the open theme (the detail's quote cursor). */
async function moreQuotes() {
  const button = $("#theme-more-quotes");
  button.disabled = true;
  try {
    const detail = await insights.theme(state.themeId, state.filters, state.themeScope, state.nextQuotes);
    showQuotes(detail.quotes, detail.kpiType);
    state.nextQuotes = detail.nextQuotes;
    button.hidden = !detail.nextQuotes;
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

function summaryItem(label, value) {
  return el("div", { class: "stat" }, el("span", { class: "label" }, label), el("span", { class: "value" }, value));
}

// ----- wiring ------------------------------------------------------------------------------

function currentFilename(kind) {
  const tp = (state.touchpoint || "all").replace(/[^\w-]+/g, "_");
  return `${kind}-${tp}.csv`;
}

export function initResearch(notifier) {
  notify = notifier;
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  $("#filters").addEventListener("reset", () => setTimeout(refresh, 0));
  $("#theme-sort").addEventListener("change", (event) => {
    state.sort = event.target.value;
    state.column = null;
    loadThemes();
  });
  $("#theme-more-quotes").addEventListener("click", moreQuotes);
  $("#theme-close").addEventListener("click", () => {
    $("#theme-detail").hidden = true;
    $(`#theme-table button[data-theme-id="${CSS.escape(String(state.themeId))}"]`)?.focus();
  });
  $("#touchpoints-csv").addEventListener("click", (event) => {
    event.preventDefault();
    downloadCsv("/v1/insights/touchpoints", { ...state.filters, lang: currentLanguage() }, "touchpoints.csv").catch(failed);
  });
  $("#themes-csv").addEventListener("click", (event) => {
    event.preventDefault();
    downloadCsv("/v1/insights/themes", { ...state.filters, touchpoint: state.touchpoint, sort: state.sort, lang: currentLanguage() },
      currentFilename("themes")).catch(failed);
  });
  onLanguageChange(() => {
    if ($("#view-research").hidden) return;
    renderTouchpoints();
    if (state.touchpoint) {
      $("#themes-title").textContent = t("themes.title", { touchpoint: state.touchpoint });
      renderThemes();
      driverChart($("#driver-chart"), state.themes);
      loadTrend();
    }
    if (state.themeId !== null && !$("#theme-detail").hidden) openTheme(state.themeId, state.themeScope);
  });
}

export async function refresh() {
  state.filters = readFilters();
  await Promise.all([loadTouchpoints(), loadEmerging()]);
  if (state.touchpoint && state.touchpoints.some((r) => r.name === state.touchpoint)) {
    await selectTouchpoint(state.touchpoint);
  } else {
    state.touchpoint = null;
    $("#tp-detail").hidden = true;
    $("#theme-detail").hidden = true;
  }
}

export function resetResearch() {
  Object.assign(state, {
    filters: {}, touchpoints: [], overall: null, emerging: new Set(), touchpoint: null, themes: [], column: null, themeId: null, themeScope: null, nextQuotes: null,
  });
  $("#tp-detail").hidden = true;
  $("#theme-detail").hidden = true;
  $("#emerging").hidden = true;
}
