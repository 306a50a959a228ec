"""The use cases: the one place that combines analysis/insights, the store and the topic models."""
