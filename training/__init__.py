"""Offline training and evaluation: fits heads and topic models, writes versioned artifacts."""
