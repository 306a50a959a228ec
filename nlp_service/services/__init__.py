"""Use cases: the one place that combines analysis, storage and jobs.

API routes and CLI commands are thin callers of these modules: ingest (idempotency, analysis
through the batcher, storage), topics (which model a tenant uses, refits), moderation,
tenants and keys, insights.
"""
