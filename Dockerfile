# Maatwerk image: runs the migrations, then gunicorn (scripts/docker-entrypoint).
#
#   docker build -t maatwerk .
#   docker run -p 8000:8000 \
#     -e MAATWERK_DATABASE_URL=postgresql+psycopg://user:password@db-host:5432/maatwerk \
#     -e MAATWERK_SECRET_KEY=... -e MAATWERK_AUDIT_KEY=... maatwerk
#   docker run ... maatwerk worker        # the timer worker, same image and settings
#
# MAATWERK_DATABASE_URL: use PostgreSQL (postgresql+psycopg://...) for anything real.
# Unset, the app falls back to SQLite in /app/instance: one container only, and the data
# is lost with the container unless /app/instance is a volume.
# Set MAATWERK_SECRET_KEY and MAATWERK_AUDIT_KEY (the audit chain's key, never in the
# database; or MAATWERK_AUDIT_KEY_FILE, e.g. a mounted secret), both shared by all
# containers, and MAATWERK_SECURE_COOKIES=1 behind HTTPS. PORT (8000) and WEB_CONCURRENCY (2 gunicorn workers) are read at start.

# --- front-end packages served by the app (NL Design System CSS, bpmn-js) -------------
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- the application ------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MAATWERK_HOME=/app \
    PORT=8000 \
    WEB_CONCURRENCY=2

# The app runs as this unprivileged user; the code stays owned by root (read-only to it).
RUN useradd --system --create-home --home-dir /home/maatwerk --uid 10001 \
        --shell /usr/sbin/nologin maatwerk

# Pango and a font for the letters as PDF (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Editable install: the package stays in /app/platform, so the app finds workflows/,
# forms/, migrations/, alembic.ini and node_modules/ beside it in /app, as in a checkout.
# The dependencies at the versions the tests passed with (requirements/runtime.txt, with
# hashes), then the package itself without resolving anything again.
COPY pyproject.toml alembic.ini requirements/runtime.txt ./
RUN pip install --require-hashes -r runtime.txt
COPY platform ./platform
RUN pip install --no-deps -e . \
    && find /app/platform -name __pycache__ -prune -exec rm -rf {} +
COPY migrations ./migrations
COPY workflows ./workflows
COPY forms ./forms
COPY --from=assets /app/node_modules ./node_modules
COPY scripts/docker-entrypoint ./scripts/docker-entrypoint
RUN chmod 0755 scripts/docker-entrypoint \
    && mkdir -p /app/instance \
    && chown maatwerk: /app/instance

USER maatwerk
EXPOSE 8000
VOLUME ["/app/instance"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
CMD ["web"]
