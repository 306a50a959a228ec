"""Emerging themes: a recent window against its baseline, tested per theme."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.errors import InvalidInput
from nlp_service.insights.emerging import benjamini_hochberg, two_proportion_increase
from nlp_service.schemas_insights import EmergingOut, EmergingTheme, ParentRef, Period
from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached
from nlp_service.services.insights.catalog import ThemeCatalog
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.query import InsightsQuery, utc
from nlp_service.services.insights.selection import cached_columns
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.store.insights import to_us

_DURATION = re.compile(r"^(\d{1,4})([dw])$")


def _count_by(themes: np.ndarray) -> dict[int, int]:
    ids, counts = np.unique(themes, return_counts=True)
    return dict(zip(ids.tolist(), counts.tolist(), strict=True))


def parse_days(value: str, field_name: str) -> int:
    match = _DURATION.match(value.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(
            f"{field_name} must look like 7d or 12w, got {value!r}", field=field_name
        )
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def emerging(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    window_spec: str = "7d",
    baseline_spec: str = "90d",
    alpha: float = 0.05,
    min_count: int = 5,
    now: datetime | None = None,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> EmergingOut:
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}", field="alpha")
    if min_count < 0:
        raise InvalidInput("min_count must be >= 0", field="min_count")
    language = query.label_language(lang)
    w_days, b_days = parse_days(window_spec, "window"), parse_days(baseline_spec, "baseline")
    # Without `to` the window ends at the current minute (so a minute's requests share a cache).
    end = utc(query.until) if query.until else utc(now or datetime.now(UTC))
    end = end if query.until else end.replace(second=0, microsecond=0)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    key = ("emerging", tenant_id, data.version, catalog, query, end, w_days, b_days)
    return cached(
        cache,
        (*key, alpha, min_count, language),
        lambda: _emerging(
            tenant_id,
            data,
            catalog,
            query,
            end,
            w_days,
            b_days,
            alpha,
            min_count,
            language,
            cache,
        ),
    )


def _emerging(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    end: datetime,
    w_days: int,
    b_days: int,
    alpha: float,
    min_count: int,
    language: str | None,
    cache: TableCache | None,
) -> EmergingOut:
    w_start = end - timedelta(days=w_days)
    b_start = w_start - timedelta(days=b_days)
    if query.since is not None:
        b_start = max(b_start, utc(query.since))
        w_start = max(w_start, utc(query.since))
    # Both periods from the answers (with times) and theme pairs the other views use too.
    cols = cached_columns(tenant_id, data, query, cache)
    ans, links = cols.answers, cols.links
    t_window, t_base = to_us(w_start), to_us(b_start)
    before_end = ans.time < to_us(end)
    in_window = (ans.time >= t_window) & before_end
    in_base = (ans.time >= t_base) & (ans.time < t_window)
    n1, n2 = int(in_window.sum()), int(in_base.sum())
    c1 = _count_by(links.theme[in_window[cols.pos]])
    c2 = _count_by(links.theme[in_base[cols.pos]])
    extra = sorted(t for t in set(c1) | set(c2) if not catalog.has(t))
    ids = [t.id for t in catalog.themes] + extra
    tests = [two_proportion_increase(c1.get(i, 0), n1, c2.get(i, 0), n2) for i in ids]
    qs = benjamini_hochberg([t.p_value for t in tests])
    out = []
    for theme_id, test, q in zip(ids, tests, qs, strict=True):
        x1, x2 = c1.get(theme_id, 0), c2.get(theme_id, 0)
        s1, s2 = (x1 / n1 if n1 else 0.0), (x2 / n2 if n2 else 0.0)
        out.append(
            EmergingTheme(
                id=theme_id,
                label=catalog.label(theme_id, language),
                window_count=x1,
                window_share=s1,
                baseline_count=x2,
                baseline_share=s2,
                ratio=s1 / s2 if s2 > 0 else None,
                z=test.z,
                p_value=test.p_value,
                q_value=q,
                significant=q is not None and q < alpha and x1 >= min_count,
                new=theme_id in catalog.new_ids,
            )
        )
    out.sort(key=lambda t: (not t.significant, t.q_value if t.q_value is not None else 2.0, t.id))
    return EmergingOut(
        filters=query.echo(),
        window=Period(start=w_start, end=end, answers=n1),
        baseline=Period(start=b_start, end=w_start, answers=n2),
        alpha=alpha,
        min_count=min_count,
        test="one-sided two-proportion z-test (pooled), Benjamini-Hochberg over all themes",
        model_version=catalog.version,
        themes=out,
        new_themes=[
            ParentRef(id=t.id, label=t.label_in(language))
            for t in catalog.themes
            if t.id in catalog.new_ids
        ],
    )
