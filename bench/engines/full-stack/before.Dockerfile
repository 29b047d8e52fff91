# The full-stack runner written the way Docker optimization guides describe the
# starting point: one stage, the runner's files copied first, one `RUN apt-get`
# per package group without cleanup or cache mounts (and with recommended
# packages), downloads in their own layers, `chown -R` over the trees. Same
# content as the generated image (docker/full-stack.Dockerfile).
FROM debian:bookworm-slim
ARG GO_VERSION
ARG GO_MIRROR
ARG GH_RUNNER_VERSION
ARG GH_RUNNER_MIRROR
COPY docker/runner-entrypoint.sh /usr/local/bin/runner-entrypoint.sh
RUN apt-get update && apt-get install -y ca-certificates curl jq unzip xz-utils zstd
RUN apt-get update && apt-get install -y gcc g++ make cmake ninja-build pkg-config libc6-dev
RUN apt-get update && apt-get install -y python3 python3-pip python3-venv
RUN apt-get update && apt-get install -y nodejs npm
RUN apt-get update && apt-get install -y git git-lfs openssh-client
RUN apt-get update && apt-get install -y libkrb5-3 zlib1g libssl3 liblttng-ust1
RUN curl -fsSL -o /tmp/go.tar.gz "${GO_MIRROR}/go${GO_VERSION}.linux-amd64.tar.gz"
RUN tar -C /usr/local -xzf /tmp/go.tar.gz
RUN mkdir -p /opt/actions-runner && curl -fsSL -o /tmp/runner.tar.gz \
    "${GH_RUNNER_MIRROR}/v${GH_RUNNER_VERSION}/actions-runner-linux-x64-${GH_RUNNER_VERSION}.tar.gz"
RUN tar -C /opt/actions-runner -xzf /tmp/runner.tar.gz
RUN useradd --create-home --uid 1001 runner
RUN python3 -m venv /opt/venv
RUN chown -R runner:runner /opt/actions-runner /opt/venv /home/runner
RUN chmod +x /usr/local/bin/runner-entrypoint.sh
USER runner
RUN git lfs install --skip-repo
ENV PATH=/usr/local/go/bin:/home/runner/go/bin:/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv LANG=C.UTF-8 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 RUNNER_LABELS=cpp,go,node,python RUNNER_EPHEMERAL=true
WORKDIR /home/runner
ENTRYPOINT ["/usr/local/bin/runner-entrypoint.sh"]
