# Maatwerk: migrations, then gunicorn. Point it at PostgreSQL with
#   MAATWERK_DATABASE_URL=postgresql+psycopg://user:password@host:5432/maatwerk
# and set MAATWERK_SECRET_KEY (and MAATWERK_SECURE_COOKIES=1 behind HTTPS).
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MAATWERK_HOME=/app PORT=8000
WORKDIR /app
RUN useradd --create-home --uid 10001 maatwerk
COPY pyproject.toml README.md alembic.ini ./
COPY platform ./platform
RUN pip install --no-cache-dir -e .
COPY migrations ./migrations
COPY workflows ./workflows
COPY forms ./forms
COPY scripts/docker-entrypoint ./scripts/docker-entrypoint
COPY --from=assets /app/node_modules ./node_modules
RUN mkdir -p /app/instance && chown maatwerk /app/instance
USER maatwerk
EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
