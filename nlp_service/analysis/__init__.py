"""Pure NLP layer: no web, no database imports."""
