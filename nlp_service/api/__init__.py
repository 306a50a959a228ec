"""HTTP API: app factory, routers per resource, auth, error mapping, micro-batching, metrics."""

from nlp_service.api.app import create_app

__all__ = ["create_app"]
