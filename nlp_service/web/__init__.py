"""The researcher and moderator web UI, served by the app from local static files."""
