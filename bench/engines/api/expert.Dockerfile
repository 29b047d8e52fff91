# The api application written by hand the way the guides recommend: a build stage
# for the requirements (compiler and headers never reach the image), one apt layer
# per stage with cache mounts and --no-install-recommends, the dependency manifest
# before the sources, a pip cache mount, a numeric non-root user, the code owned by
# root with only tmp and log writable, tini as PID 1. Same content as the
# generated image (docker/api.Dockerfile).
FROM debian:bookworm-slim AS base
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
      ca-certificates curl jq python3 python3-venv tini unzip xz-utils zstd
ENV LANG=C.UTF-8 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --no-log-init --create-home app

FROM base AS build
# hadolint ignore=DL3008
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends gcc python3-dev \
    && install -d -o 10001 -g 10001 /opt/venv
USER 10001:10001
COPY requirements.txt /tmp/
RUN --mount=type=cache,target=/home/app/.cache/pip,uid=10001,gid=10001 \
    python3 -m venv /opt/venv && pip install -r /tmp/requirements.txt

FROM base
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app /app
RUN install -d -o 10001 -g 10001 /app/tmp /app/log
USER 10001:10001
ENV APP_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-u", "app.py"]
