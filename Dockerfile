# Service image: CPU-only, models from PyPI packages, SQLite in /data by default.
# Build: docker build -t nlp-service .    Run: docker run -p 8000:8000 -v nlp-data:/data nlp-service
# Set DATABASE_URL=postgresql+psycopg://... to use PostgreSQL instead of the embedded SQLite.
FROM python:3.11-slim

# A wheel index that serves CPU builds of torch keeps the image ~2 GB smaller than the default
# CUDA build; pass it with --build-arg TORCH_INDEX_URL=... (empty: the default index).
ARG TORCH_INDEX_URL=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    NLP_SERVICE_DATA_DIR=/data \
    NLP_SERVICE_MODELS_DIR=/app/models \
    NLP_SERVICE_HOST=0.0.0.0

WORKDIR /app
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
        pip install torch==2.13.0 --index-url "$TORCH_INDEX_URL"; \
    else \
        pip install torch==2.13.0; \
    fi

COPY pyproject.toml README.md ./
COPY nlp_service ./nlp_service
COPY training ./training
COPY models ./models
RUN pip install . \
    && useradd --create-home --uid 10001 app \
    && mkdir -p /data && chown app /data

USER app
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
CMD ["nlp-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
