# The end-to-end suite's stand-in for ruby:3.4-slim-bookworm (Docker Hub is not
# reachable from the test machine): Debian 12's Ruby and Bundler on the local
# debian:bookworm-slim, with the official image's layout and environment: gems in
# /usr/local/bundle, Bundler's config there too, its bin on PATH.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ruby bundler \
    && rm -rf /var/lib/apt/lists/*
ENV LANG=C.UTF-8 \
    GEM_HOME=/usr/local/bundle \
    BUNDLE_SILENCE_ROOT_WARNING=1 \
    BUNDLE_APP_CONFIG=/usr/local/bundle \
    PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle
CMD ["irb"]
