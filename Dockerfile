# Build: docker build -t composeguard .
# The build step is mirrored by cmd/composeguard/build_test.go, which builds
# the same static binary without Docker and checks this Go is go.mod's.
FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/composeguard ./cmd/composeguard

# distroless/static: no shell, no package manager, runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/composeguard /usr/local/bin/composeguard
USER nonroot:nonroot
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/composeguard"]
# Audit the repository mounted at /repo: docker run --rm -v "$PWD:/repo:ro" composeguard
CMD ["audit", "/repo"]
