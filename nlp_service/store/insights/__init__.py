"""Tenant-scoped reads for the insights and the plain columns they fill.

The statistics need, per answer, a few scalars (touchpoint, KPI, sentiment, time and what the
filters test) and, per (answer, theme) pair, whether the theme's sentences were negative or
positive. The package keeps each part in its own module:

  answer_columns.py  AnswerColumns (one row per answer) and its in-memory filter `mask`
  theme_links.py     ThemeLinks (one row per answer and theme) and `collapse`, sentences -> pairs
  repository.py      InsightsRepository: the SQL reads that fill them, data versions, counts
  quotes.py          QuoteRow and the reads of quoted sentences
  sql_reads.py       SQL expressions and raw-row conversion the reads share

Callers import the names below from `nlp_service.store.insights`.
"""

from nlp_service.store.insights.answer_columns import ARRAYS, KPI_CODES, AnswerColumns, to_us
from nlp_service.store.insights.quotes import QuoteRow
from nlp_service.store.insights.repository import InsightsRepository
from nlp_service.store.insights.theme_links import ThemeLinks, collapse

__all__ = [
    "ARRAYS",
    "KPI_CODES",
    "AnswerColumns",
    "InsightsRepository",
    "QuoteRow",
    "ThemeLinks",
    "collapse",
    "to_us",
]
