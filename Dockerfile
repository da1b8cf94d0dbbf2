# syntax=docker/dockerfile:1
# One image for the four clinic apps (EMR, Billing, Scheduling, Prescription) and the clinic CLI.
# Which app runs is chosen by the command: `node dist/apps/<app>/src/main.js` (see docker-compose.yml
# and infra/lib/services.ts). Build: docker build -t clinic .

# Node 24, the current LTS (see docs/adr/0008-node-floor.md); the floor is 22.13. Override with
# --build-arg NODE_VERSION=22 to try the floor. Pin a digest in your registry for releases.
ARG NODE_VERSION=24

# --- production dependencies only, no install scripts -----------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- compile TypeScript to dist/ (needs the dev dependencies: tsc, tsc-alias) ------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm run build

# --- runtime: non-root, production dependencies, compiled apps --------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The clinic CLI runs compiled too: node dist/tools/clinic/main.js provision|doctor|migrate.
COPY --chown=root:root package.json ./
# Files stay owned by root and read-only to the app user: a compromised app cannot rewrite itself.
USER node
EXPOSE 3000 3001 3002 3003
# Every app answers GET /health on $PORT; Node 20+ has fetch, so no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/emr/src/main.js"]
