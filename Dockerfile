# syntax=docker/dockerfile:1

# Build: the release binary, with migrations, the model, the demo book, the console and
# the API reference (openapi.yaml, served at /openapi.yaml and /docs) embedded.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY build.rs openapi.yaml ./
COPY src ./src
COPY migrations ./migrations
COPY fixtures ./fixtures
COPY benches ./benches
RUN cargo build --release --locked --bin fleet-risk \
    && mkdir -p /out/data \
    && cp target/release/fleet-risk /out/fleet-risk

# Run: distroless (glibc, CA certificates for Sentry, no shell), as non-root
# (65532 is the image's "nonroot" user).
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build /out/fleet-risk /app/fleet-risk
COPY migrations /app/migrations
COPY fixtures /app/fixtures
COPY --from=build --chown=65532:65532 /out/data /data
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:///data/fleet-risk.db \
    LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 8080
VOLUME ["/data"]
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/fleet-risk", "healthcheck"]
ENTRYPOINT ["/app/fleet-risk"]
CMD ["serve"]
