# One image for every NovaMart process; docker-compose picks the process with SERVICE.
# TypeScript runs from source through tsx, exactly as in development, so there is no build stage.
# Node 24 is the recommended runtime (faster GC and startup); 20.19+ and 22 stay supported.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    TURBO_TELEMETRY_DISABLED=1 \
    APOLLO_TELEMETRY_DISABLED=true
WORKDIR /app

# Manifests first so that the dependency layer is cached across source changes.
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY packages/events/package.json packages/events/
COPY packages/mongo-server/package.json packages/mongo-server/
COPY gateway/package.json gateway/
COPY subgraphs/users/package.json subgraphs/users/
COPY subgraphs/products/package.json subgraphs/products/
COPY subgraphs/inventory/package.json subgraphs/inventory/
COPY subgraphs/cart/package.json subgraphs/cart/
COPY subgraphs/orders/package.json subgraphs/orders/
COPY subgraphs/payments/package.json subgraphs/payments/
COPY subgraphs/notifications/package.json subgraphs/notifications/
COPY subgraphs/recommendations/package.json subgraphs/recommendations/
COPY subgraphs/promotions/package.json subgraphs/promotions/
COPY subgraphs/shipping/package.json subgraphs/shipping/
COPY subgraphs/reviews/package.json subgraphs/reviews/
COPY storefront/package.json storefront/
# tsx runs the TypeScript sources, so dev dependencies are part of the runtime image.
RUN npm ci --include=dev --no-audit --no-fund

COPY . .
# The storefront's static files, which the gateway serves at / (STOREFRONT_DIR).
RUN npm run build -w @novamart/storefront
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]

# SERVICE is a workspace folder name: users, products, ..., or gateway.
ENV SERVICE=gateway
CMD ["sh", "-c", "if [ \"$SERVICE\" = gateway ]; then exec node --import tsx gateway/src/main.ts; else exec node --import tsx subgraphs/$SERVICE/src/main.ts; fi"]
