# bcservice: the Business Connector web service.
# Build from the repository root:  docker build -f deploy/bcservice.Dockerfile -t bcservice .
# Run:  docker run -p 8080:8080 -v /etc/bcservice:/etc/bcservice:ro bcservice
# The configuration (and TLS files it names) is mounted at /etc/bcservice.

# --- build stage: a static binary, no cgo, no libc needed at run time ---
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/bcservice ./cmd/bcservice

# --- run stage: distroless static, no shell, no package manager ---
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bcservice /usr/local/bin/bcservice
# Inside a container the service must listen on all interfaces; the file's
# listen key is overridden. Logs are JSON on stderr (the default).
ENV BC_LISTEN=0.0.0.0:8080 \
    BC_CONFIG=/etc/bcservice/config.yaml
EXPOSE 8080
# 65532 is distroless's "nonroot" user: never run as root.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/bcservice"]
CMD ["serve"]
