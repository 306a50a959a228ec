"""Pure statistics for the researcher insights: plain arrays in, frozen dataclasses out.

Nothing here touches the database, the API or the topic models:
  scores.py    NPS with its interval, means with t intervals, top-2-box, net sentiment
  impact.py    removal impact (Thematic) and NPS impact (Qualtrics style), touchpoint priority
  drivers.py   one OLS regression (HC3 errors) of the KPI on theme x sentiment indicators
  trends.py    periods (day, ISO week, month) and per-period aggregates
  emerging.py  one-sided two-proportion z-tests with a Benjamini-Hochberg correction
"""
