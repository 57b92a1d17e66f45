# One image for the dutydesk worker and gateway; the command picks which runs.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund --no-save
COPY . .
ENV NODE_ENV=production DUTYDESK_CONFIG=/etc/dutydesk/dutydesk.yaml DUTYDESK_DATA_DIR=/var/lib/dutydesk
# The data volume (dumps, charts) is mounted here; it takes this folder's owner.
RUN mkdir -p /var/lib/dutydesk && chown node:node /var/lib/dutydesk
USER node
CMD ["node", "--import", "tsx", "workers/main.ts"]
