# mrp: the API (`mrp serve`), migrations (`mrp db upgrade`) and the intake poller
# (`mrp intake run`) from one image. Settings come from MRP_* environment variables only.
#
#   docker build -t mrp .
#   docker run --rm -e MRP_DATABASE_URL=... -e MRP_SECRET_KEY=... -p 8000:8000 mrp
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system mrp \
    && useradd --system --gid mrp --home-dir /app --no-create-home --shell /usr/sbin/nologin mrp

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir service && touch service/__init__.py \
    && pip install . \
    && pip uninstall --yes mrp \
    && rm -rf service build ./*.egg-info

# The code. The package is installed in place (editable) because the application finds its
# Alembic scripts next to the package, at /app/migrations. The files stay root-owned and
# read-only for the service user; only the instance folder (default SQLite file) is writable.
COPY service ./service
COPY migrations ./migrations
RUN pip install --no-deps --editable . \
    && python -m compileall -q service \
    && mkdir instance && chown mrp:mrp instance

USER mrp

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]

ENTRYPOINT ["mrp"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
