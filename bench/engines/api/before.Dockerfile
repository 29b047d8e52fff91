# The api application written the way Docker optimization guides describe the
# starting point: one stage, one `RUN apt-get` per package group without cleanup
# or cache mounts (and with recommended packages), the sources copied before the
# dependencies are installed, build tools left in the image, `chown -R` over the
# tree. Same content as the generated image (docker/api.Dockerfile).
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y ca-certificates curl jq unzip xz-utils zstd
RUN apt-get update && apt-get install -y python3 python3-pip python3-venv tini
RUN apt-get update && apt-get install -y gcc python3-dev
WORKDIR /app
COPY . /app
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
RUN useradd --create-home app && mkdir -p /app/tmp /app/log && chown -R app:app /app /opt/venv
USER app
ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv APP_ENV=production LANG=C.UTF-8 PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-u", "app.py"]
