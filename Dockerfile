# syntax=docker/dockerfile:1
# Every service's image, from the repository root; SERVICE is auth-svc, paste-svc, analytics-svc or gateway:
#   docker build --build-arg SERVICE=paste-svc -t pastemesh/paste-svc:0.1.0 .
# Stage 1 bundles the service with esbuild (scripts/build-service.mjs) and lays out /image: <service>/dist/main.js,
# the files it reads beside its sources at run time (the gateway's schema and web client), and a package.json
# naming the exact external packages it needs and, as "main", the bundle. Stage 2 installs only those (production
# dependencies, native ones compiled for this image); stage 3 is the runtime: no compiler, no npm cache, non-root.
# No EXPOSE: a service's ports come from its environment (GRPC_PORT, CONNECT_PORT, HTTP_PORT, ADMIN_PORT; README,
# Ports), and the Deployments (containerPort) and docker-compose.yml (expose) name them.
ARG SERVICE

FROM node:20.20.2-bookworm-slim AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<auth-svc|paste-svc|analytics-svc|gateway>" >&2; exit 1; }
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm install --no-audit --no-fund && npm run build -- --image /image "$SERVICE"

FROM node:20.20.2-bookworm-slim AS deps
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /image/package.json ./package.json
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20.20.2-bookworm-slim AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="pastemesh/${SERVICE}"
ENV NODE_ENV=production DATA_DIR=/var/lib/pastemesh
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /image ./
# The one writable place (SQLite fallback, auth-svc's generated dev key); the root filesystem can be read-only.
RUN mkdir -p /var/lib/pastemesh && chown 1000:1000 /var/lib/pastemesh
# uid 1000 is the image's "node" user; numeric so Kubernetes can check runAsNonRoot.
USER 1000:1000
# `node .` runs package.json's "main" (<service>/dist/main.js); exec form, so node is PID 1 and gets SIGTERM.
CMD ["node", "--enable-source-maps", "."]
