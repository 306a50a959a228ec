// Reads the researcher endpoints (/v1/insights/..., models in nlp_service/schemas_insights.py)
// and turns their responses into the plain rows the views draw. Only this module knows the
// response shapes.

import { getJson } from "./api.js";
import { currentLanguage } from "./i18n.js";

// Theme labels come in the interface language (codebook themes have German and English ones).
const labelled = (params) => ({ ...params, lang: currentLanguage() });

const QUOTES_PER_PAGE = 10;
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** {low, high} (or null) -> [low, high] with nulls. */
export function interval(value) {
  if (!value) return [null, null];
  return [num(value.low), num(value.high)];
}

/** The KPI value and interval of a KpiSummary for `type` (NPS score, CSAT/CES mean). */
function kpiFrom(summary, type) {
  const entry = summary && type ? summary[type] : null;
  if (!entry) return { value: null, interval: [null, null], n: 0 };
  return { value: num(entry.score ?? entry.mean), interval: interval(entry.interval), n: entry.n ?? 0 };
}

export function touchpointRow(row, kpiType) {
  const kpi = kpiFrom(row.kpi, kpiType);
  return {
    name: row.touchpoint,
    count: row.answers,
    share: num(row.share),
    kpi: kpi.value,
    interval: kpi.interval,
    net: num(row.sentiment?.net),
    priority: num(row.priority?.score),
    rank: row.priority?.rank ?? null,
    gap: num(row.priority?.kpi_gap),
    topNegative: row.top_negative_themes ?? [],
    topPositive: row.top_positive_themes ?? [],
  };
}

export function themeRow(row) {
  const driver = row.driver || null;
  const [effectLow, effectHigh] = interval(driver?.interval);
  return {
    id: row.id,
    label: row.label,
    keywords: row.keywords ?? [],
    parent: row.parent ?? null,
    count: row.count,
    share: num(row.share),
    positive: num(row.sentiment?.positive),
    neutral: num(row.sentiment?.neutral),
    negative: num(row.sentiment?.negative),
    net: num(row.sentiment?.net),
    kpi: num(row.nps ?? row.kpi_mean),
    kpiType: row.kpi_type ?? null,
    interval: interval(row.interval),
    removalImpact: num(row.removal_impact),
    npsImpact: num(row.nps_impact),
    effect: num(driver?.coef),
    effectLow,
    effectHigh,
    pValue: num(driver?.p_value),
    lowN: Boolean(driver?.too_few),
    quotes: (row.quotes ?? []).map(quoteOf),
  };
}

export function quoteOf(q) {
  return {
    text: q.text,
    id: q.answer_id,
    sentiment: q.sentiment ?? null,
    kpi: num(q.kpi_score),
    language: q.language ?? null,
    touchpoint: q.touchpoint ?? null,
    date: q.submitted_at ?? null,
  };
}

/** Trend points -> parallel arrays for a chart. */
export function trendSeries(points) {
  return {
    x: points.map((p) => p.start ?? p.period),
    answers: points.map((p) => p.answers),
    count: points.map((p) => p.count),
    share: points.map((p) => num(p.share)),
    kpi: points.map((p) => num(p.kpi)),
    net: points.map((p) => num(p.net_sentiment)),
  };
}

export async function touchpoints(filters) {
  const data = await getJson("/v1/insights/touchpoints", labelled(filters));
  return {
    kpiType: data.kpi_type,
    rows: data.touchpoints.map((r) => touchpointRow(r, data.kpi_type)),
    overall: { answers: data.overall.answers, ...kpiFrom(data.overall.kpi, data.kpi_type), net: num(data.overall.sentiment?.net) },
  };
}

export async function themes(filters, touchpoint, sort) {
  const data = await getJson("/v1/insights/themes", labelled({ ...filters, touchpoint, sort }));
  return {
    kpiType: data.kpi_type,
    answers: data.answers,
    withoutTheme: data.answers_without_theme,
    overall: kpiFrom(data.overall.kpi, data.kpi_type),
    rows: data.themes.map(themeRow),
  };
}

export async function theme(id, filters, touchpoint, quoteCursor) {
  const data = await getJson(`/v1/insights/themes/${encodeURIComponent(id)}`, labelled({
    ...filters,
    touchpoint,
    quote_cursor: quoteCursor,
    quote_limit: QUOTES_PER_PAGE,
  }));
  return {
    kpiType: data.kpi_type,
    theme: themeRow(data.theme),
    children: data.children.map(themeRow),
    trend: trendSeries(data.trend.points),
    quotes: data.quotes.items.map(quoteOf),
    nextQuotes: data.quotes.next_cursor,
    kpiBins: data.kpi_distribution.map((b) => ({ label: b.score, count: b.count })),
  };
}

export async function trends(filters, touchpoint, themeId, intervalName = "week") {
  const data = await getJson("/v1/insights/trends", labelled({ ...filters, touchpoint, theme: themeId, interval: intervalName }));
  return { kpiType: data.kpi_type, ...trendSeries(data.points) };
}

/** Themes whose share rose significantly in the recent window, or new in the last refit. */
export async function emerging(filters, touchpoint) {
  const data = await getJson("/v1/insights/emerging", labelled({ ...filters, touchpoint }));
  const newIds = new Set(data.new_themes.map((t) => t.id));
  return data.themes
    .filter((t) => t.significant || newIds.has(t.id))
    .map((t) => ({ id: t.id, label: t.label, count: t.window_count, ratio: num(t.ratio), isNew: newIds.has(t.id), significant: t.significant }));
}
