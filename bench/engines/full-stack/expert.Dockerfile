# The full-stack runner written by hand the way the guides recommend: one apt
# layer with cache mounts and --no-install-recommends, downloads checked and
# unpacked in the layer that fetches them, a numeric non-root user, COPY --chown,
# the often-changed entrypoint last. Same content as the generated image
# (docker/full-stack.Dockerfile).
FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
      ca-certificates cmake curl g++ gcc git git-lfs jq libc6-dev libkrb5-3 liblttng-ust1 libssl3 \
      make ninja-build nodejs npm openssh-client pkg-config python3 python3-pip python3-venv unzip \
      xz-utils zlib1g zstd
ARG GO_VERSION
ARG GO_MIRROR
ARG GO_SHA256
RUN curl -fsSL -o /tmp/go.tar.gz "${GO_MIRROR}/go${GO_VERSION}.linux-amd64.tar.gz" \
    && echo "${GO_SHA256}  /tmp/go.tar.gz" | sha256sum -c - \
    && tar -C /usr/local -xzf /tmp/go.tar.gz \
    && rm /tmp/go.tar.gz
RUN groupadd --gid 1001 runner \
    && useradd --uid 1001 --gid 1001 --no-log-init --create-home runner \
    && install -d -o 1001 -g 1001 /opt/actions-runner /opt/venv /home/runner/go
ARG GH_RUNNER_VERSION
ARG GH_RUNNER_MIRROR
ARG GH_RUNNER_SHA256
USER 1001:1001
RUN curl -fsSL -o /tmp/runner.tar.gz \
      "${GH_RUNNER_MIRROR}/v${GH_RUNNER_VERSION}/actions-runner-linux-x64-${GH_RUNNER_VERSION}.tar.gz" \
    && echo "${GH_RUNNER_SHA256}  /tmp/runner.tar.gz" | sha256sum -c - \
    && tar -C /opt/actions-runner -xzf /tmp/runner.tar.gz \
    && rm /tmp/runner.tar.gz \
    && python3 -m venv /opt/venv \
    && git lfs install --skip-repo
ENV LANG=C.UTF-8 GOPATH=/home/runner/go VIRTUAL_ENV=/opt/venv DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    PATH=/usr/local/go/bin:/home/runner/go/bin:/opt/venv/bin:$PATH \
    RUNNER_LABELS=cpp,go,node,python RUNNER_EPHEMERAL=true
WORKDIR /home/runner
COPY --chown=0:0 --chmod=755 docker/runner-entrypoint.sh /usr/local/bin/runner-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/runner-entrypoint.sh"]
