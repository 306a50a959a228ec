"""Open-feedback text analytics service."""

__version__ = "0.1.0"
