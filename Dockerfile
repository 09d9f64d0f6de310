# syntax=docker/dockerfile:1
# dora-exporter container image: `docker build -t dora-exporter .` (see docs/running-as-a-service.md).
# Multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .` (the release workflow).

# 1. Compile the single self-contained binary with the pinned Bun, on the build machine's own
#    platform (no emulation), cross-compiling for the target's architecture.
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
ARG TARGETARCH
WORKDIR /src
COPY package.json bun.lock bunfig.toml tsconfig.json ./
RUN bun install --frozen-lockfile --production
COPY src ./src
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && case "$arch" in amd64) target=bun-linux-x64 ;; arm64) target=bun-linux-arm64 ;; *) echo "unsupported architecture: $arch" >&2; exit 1 ;; esac \
 && bun build --compile --minify --sourcemap --target="$target" src/main.ts --outfile /out/dora-exporter \
 && if [ "$arch" = "$(dpkg --print-architecture)" ]; then /out/dora-exporter --version; fi

# 2. A static busybox, only for the HEALTHCHECK's `wget` (the exporter has no HTTP client command).
FROM busybox:1.37-musl AS busybox

# 3. Run on a small glibc base (the binary needs only glibc), as an unprivileged user.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/dora-exporter /usr/local/bin/dora-exporter
COPY --from=busybox /bin/busybox /usr/local/bin/busybox
ENV DORA_LISTEN=0.0.0.0:9798
EXPOSE 9798
# 65532 = distroless' "nonroot"; numeric so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# /healthz answers while the process serves. If you change DORA_LISTEN's port, change it here too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/busybox", "wget", "-q", "-T", "4", "-O", "/dev/null", "http://127.0.0.1:9798/healthz"]
ENTRYPOINT ["/usr/local/bin/dora-exporter"]
