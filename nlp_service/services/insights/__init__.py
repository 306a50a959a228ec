"""Researcher insights: the use case behind `/v1/insights/*` and `nlp-service insights ...`.

    catalog = ThemeCatalog.from_topic_model(model)          # labels, keywords, parents, new ids
    out = themes(session, tenant_id, catalog, InsightsQuery(touchpoint="hotline"), sort="impact")

Reads plain columns through `store.insights`, computes with the pure `nlp_service.insights`
package and returns the response models of `schemas_insights`. The theme catalog is a plain
argument so it does not matter where topic models live.

Which KPI: the `kpi_type` filter, else the type most answers in the selection carry. Answers of
other types count for volume and sentiment only.

Labels: `lang` (de | en) picks each theme's label in that language (codebook themes carry both),
defaulting to the `language` filter, else the theme's default label.

The modules, from the bottom up:
    query, catalog          the filters (`InsightsQuery`) and the tenant's themes (`ThemeCatalog`)
    caches                  the process's LRU caches (`CACHE`, `TABLES`, `DATA`)
    tenant_copy, loading    a tenant's answers in memory, kept at the current data version by
                            merging changed answers or topping up the stored snapshot (the cost
                            model is described in `loading`)
    snapshot_writes         writing the snapshot, now or in the background
    selection               one filter's answers and their pairs grouped per theme
    kpi, outputs, quotes    KPI choice and figures, response models, quote cursors
    drivers, theme_table    the driver regression and the per-theme table most views start from
    trend_points            figures per period
    *_view                  one module per view: themes, theme_detail, trends, touchpoints,
                            emerging, detractors
    csv_export              any of the tables as CSV (API `?format=csv`, CLI `--format csv`)
"""

from nlp_service.services.insights.caches import CACHE, DATA, TableCache, clear_caches
from nlp_service.services.insights.catalog import ThemeCatalog
from nlp_service.services.insights.csv_export import csv_text
from nlp_service.services.insights.detractors_view import DetractorDriver, detractor_drivers
from nlp_service.services.insights.emerging_view import emerging
from nlp_service.services.insights.loading import (
    refresh_snapshot,
    refresh_snapshot_if_behind,
    tenant_data,
)
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.snapshot_writes import wait_for_snapshot_writes
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.services.insights.theme_detail_view import theme_detail
from nlp_service.services.insights.theme_table import DEFAULT_MIN_DRIVER, Sort
from nlp_service.services.insights.themes_view import themes
from nlp_service.services.insights.touchpoints_view import touchpoints
from nlp_service.services.insights.trends_view import trends

__all__ = [
    "CACHE",
    "DATA",
    "DEFAULT_MIN_DRIVER",
    "DetractorDriver",
    "InsightsQuery",
    "Sort",
    "TableCache",
    "TenantData",
    "ThemeCatalog",
    "clear_caches",
    "csv_text",
    "detractor_drivers",
    "emerging",
    "refresh_snapshot",
    "refresh_snapshot_if_behind",
    "tenant_data",
    "theme_detail",
    "themes",
    "touchpoints",
    "trends",
    "wait_for_snapshot_writes",
]
