# Build: docker build -t composeguard .
# .github/workflows/release.yml builds and publishes it for every version tag.
# The build step is mirrored by cmd/composeguard/build_test.go, which runs
# this go build line without Docker and checks this Go is go.mod's.
# The Go compiler runs on the builder's own platform and cross-compiles, so a
# multi-platform build needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/composeguard ./cmd/composeguard
# serve keeps its SQLite database in /data (deploy/compose.yaml): the image
# holds it owned by its user, and a fresh named volume mounted there takes
# that owner, so the server can write it without root.
RUN mkdir -p /out/data

# distroless/static: no shell, no package manager; uid 65532 is its nonroot
# user, given as a number so Kubernetes can tell it is not root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/composeguard /usr/local/bin/composeguard
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/composeguard"]
# Audit the repository mounted at /repo: docker run --rm -v "$PWD:/repo:ro" composeguard
CMD ["audit", "/repo"]
