// Starts the design advisor: `PORT` (default 3000). Everything it needs is in this repository.
import { createAdvisorApp } from './app.ts';

function port(): number {
  const raw = process.env.PORT ?? '3000';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`advisor: PORT must be an integer between 0 and 65535, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const server = createAdvisorApp().listen(port(), () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port();
  console.log(`Event Store Workbench design advisor: http://localhost:${actual}`);
});
server.on('error', (err) => {
  console.error(`advisor: cannot listen: ${err.message}`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
