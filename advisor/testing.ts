// Starts the advisor in-process on an ephemeral port for integration and browser tests.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAdvisorApp, type AdvisorAppOptions } from './app.ts';

export const fixturePath = (name: string): string => fileURLToPath(new URL(`./test-fixtures/${name}`, import.meta.url));

export interface RunningAdvisor {
  baseUrl: string;
  close: () => Promise<void>;
}

export async function startAdvisor(options: AdvisorAppOptions = {}): Promise<RunningAdvisor> {
  const app = createAdvisorApp(options);
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
