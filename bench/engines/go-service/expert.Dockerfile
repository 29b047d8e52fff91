# The Go service written by hand the way the guides recommend (docker init's Go
# template, the golang image's documentation): a builder with the Go toolchain
# (here unpacked from the release archive, as the golang image does, with its
# SHA-256 checked), go.mod before the sources, go mod download and go build with
# cache mounts for the module and build caches, a static binary (CGO_ENABLED=0) on
# scratch with the CA roots, run as a numeric non-root user. Same content as the
# generated image (docker/server.Dockerfile).
FROM debian:bookworm-slim AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl
ARG GO_VERSION
ARG GO_MIRROR
ARG GO_SHA256
RUN curl -fsSL -o /tmp/go.tar.gz "${GO_MIRROR}/go${GO_VERSION}.linux-amd64.tar.gz" \
    && echo "${GO_SHA256}  /tmp/go.tar.gz" | sha256sum -c - \
    && tar -C /usr/local -xzf /tmp/go.tar.gz \
    && rm /tmp/go.tar.gz
ENV PATH=/usr/local/go/bin:$PATH GOCACHE=/root/.cache/go-build GOMODCACHE=/root/go/pkg/mod
WORKDIR /src
COPY go.mod ./
RUN --mount=type=cache,target=/root/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/server ./cmd/server

FROM scratch
COPY --from=build /out/server /server
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 CMD ["/server", "-health"]
CMD ["/server"]
