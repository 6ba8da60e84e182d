# Cảnh Giác — one image for every app process (api, worker, pollers, migrate).
# Build: docker build -t canhgiac .   Run: docker compose up -d (see docs/deploy.md)
# PYTHON_IMAGE: any Debian-based Python 3.11 image with `python` on PATH; the default is the
# official one. Where Docker Hub is out of reach, `make deploy-check` builds a stand-in from
# Debian's own packages (deploy/images/python.Containerfile) and passes it here.
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    CANHGIAC_CONTENT_DIR=/app/content \
    CANHGIAC_NLU_MODEL_DIR=/app/var/models \
    CANHGIAC_UPLOAD_DIR=/app/var/uploads

# curl for the container health checks; tini reaps uvicorn's worker processes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl tini \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid so volume ownership is predictable across rebuilds.
RUN groupadd --system --gid 10001 canhgiac \
    && useradd --system --uid 10001 --gid canhgiac --home-dir /app --shell /usr/sbin/nologin canhgiac \
    && python -m venv $VIRTUAL_ENV

WORKDIR /app

# Dependencies first (cached while only the code changes): install from pyproject alone.
COPY pyproject.toml README.md ./
RUN mkdir -p bot hotline nlu && touch bot/__init__.py hotline/__init__.py nlu/__init__.py \
    && pip install . \
    && pip uninstall -y canhgiac \
    && rm -rf bot hotline nlu build *.egg-info

COPY bot ./bot
COPY hotline ./hotline
COPY nlu ./nlu
COPY content ./content
# Editable so nlu/data, content and migrations are read from /app, exactly as in development.
RUN pip install --no-deps -e . \
    && mkdir -p /app/var/models /app/var/uploads \
    && chown -R canhgiac:canhgiac /app/var

USER canhgiac

# The embedded NLU is baked into the image: it answers when Rasa is down or not deployed.
RUN canhgiac nlu train --engine embedded

EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--", "canhgiac"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
