"""CLI sub-commands, one module per resource; wired together in `nlp_service.cli`."""
