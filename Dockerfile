# The design advisor (`npm start`, advisor/server.ts) as a container; docker-compose.yml builds and runs it on port 3000.
# One stage: the advisor runs its TypeScript with tsx, which is a runtime dependency.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so editing the code does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

COPY tsconfig.json ./
COPY advisor ./advisor
COPY labs ./labs
COPY benchmarks ./benchmarks
COPY docs ./docs

USER node
ENV PORT=3000
EXPOSE 3000
# `npm start` runs advisor/server.ts with tsx.
CMD ["npm", "start"]
