# The api application written by hand the way the guides recommend: one apt layer
# with cache mounts and --no-install-recommends, the dependency manifest before the
# sources, a numeric non-root user, COPY --chown, a pip cache mount. Same content
# as the generated image (docker/api.Dockerfile).
FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
      ca-certificates curl gcc jq python3 python3-dev python3-pip python3-venv unzip xz-utils zstd
ENV LANG=C.UTF-8 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --no-log-init --create-home app \
    && install -d -o 10001 -g 10001 /opt/venv /app /app/tmp /app/log
WORKDIR /app
USER 10001:10001
COPY --chown=10001:10001 requirements.txt /app/
RUN --mount=type=cache,target=/home/app/.cache/pip,uid=10001,gid=10001 \
    python3 -m venv /opt/venv && pip install -r requirements.txt
ENV APP_ENV=production
COPY --chown=10001:10001 . /app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD python -c 'import sys; sys.exit(0)'
CMD ["python", "-u", "app.py"]
