# syntax=docker/dockerfile:1
# tongban-catalog: the catalog service (national items, city implementations).
# Build from the repository root (the context is the whole tree, minus .dockerignore):
#   docker build -f docker/catalog.Dockerfile -t tongban-catalog:0.1.0 .
# Both stages start from Debian bookworm slim of 2025-07-21, pinned by the digest of its
# multi-arch index. To move on: `docker buildx imagetools inspect debian:bookworm-<date>-slim`,
# then put the new tag and digest into every docker/*.Dockerfile (check-deploy wants them equal).

# ---- build: the compilers and -dev packages scripts/setup installs, then one CMake target.
FROM debian:bookworm-20250721-slim@sha256:2424c1850714a4d94666ec928e24d86de958646737b1d113f5b2207be44d37d8 AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# GTest: the root CMakeLists.txt finds it for the test targets it declares (none is built).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      librdkafka-dev libhiredis-dev prometheus-cpp-dev libsodium-dev libssl-dev \
      libjemalloc-dev \
      libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTONGBAN_BENCHMARKS=OFF \
 && cmake --build build --target tongban-catalog \
 && strip build/services/catalog/tongban-catalog

# ---- runtime: the binary and the shared libraries it links (ldd), nothing else: no
# compiler, no shell tools beyond the base, no package lists.
#   libboost-json1.81.0 libboost-url1.81.0  Boost.JSON and Boost.URL
#   librdkafka1                             Kafka (pulls libsasl2, liblz4, libzstd, zlib)
#   libhiredis0.14                          Redis
#   libprometheus-cpp-core1.0               metrics
#   libsodium23 libssl3                     argon2id, Ed25519; TLS, JWT signatures
#   libjemalloc2                            the allocator (TONGBAN_ALLOCATOR)
#   ca-certificates                         TLS to Kafka and Redis with public CAs
FROM debian:bookworm-20250721-slim@sha256:2424c1850714a4d94666ec928e24d86de958646737b1d113f5b2207be44d37d8
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libboost-json1.81.0 libboost-url1.81.0 librdkafka1 libhiredis0.14 \
      libprometheus-cpp-core1.0 libsodium23 libssl3 libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/services/catalog/tongban-catalog /usr/local/bin/tongban-catalog
# A fixed numeric non-root uid (the chart's runAsUser), so runAsNonRoot can verify it. The
# process writes nothing but /tmp: the root filesystem may be mounted read-only.
USER 10001:10001
EXPOSE 8082
# The chart and the base set it too; here so `docker run -p 8082:8082` just works.
ENV TONGBAN_HTTP_PORT=8082
ENTRYPOINT ["/usr/local/bin/tongban-catalog"]
