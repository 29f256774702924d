# cucmsim: the CUCM EMService simulator (for demos and tests, never production).
# Build from the repository root:  docker build -f deploy/cucmsim.Dockerfile -t cucmsim .
# Run:  docker run -p 18000:18000 -p 18081-18082:18081-18082 -p 18091-18092:18091-18092 cucmsim

# --- build stage: a static binary, no cgo ---
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/cucmsim ./cmd/cucmsim
# The demo topology binds its nodes to 127.0.0.1, unreachable from outside a
# container: the image carries a copy that listens on all interfaces.
RUN mkdir -p /out/topology && sed 's/127\.0\.0\.1:/0.0.0.0:/g' testdata/topology/demo.yaml > /out/topology/demo.yaml

# --- run stage: distroless static ---
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cucmsim /usr/local/bin/cucmsim
COPY --from=build /out/topology/demo.yaml /etc/cucmsim/topology.yaml
# Admin (control API) and the demo topology's node ports.
EXPOSE 18000 18081 18082 18091 18092
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/cucmsim"]
CMD ["serve", "--topology", "/etc/cucmsim/topology.yaml", "--admin", "0.0.0.0:18000"]
