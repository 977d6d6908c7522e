/**
 * Shared by the workshop's integration tests: one harness per path for a whole test file, started the
 * way the conformance tests start their servers. A server the test run could not start (its reason in
 * WORKBENCH_UNAVAILABLE_<SERVER>) or that fails to start here is a loud skip, and a failure under CI=true.
 */
import { backendByName } from '../labs/backends.ts';
import { skipMessage, unavailableReason } from '../labs/runtime/index.ts';
import type { WorkshopHarness } from './harness.ts';
import type { WorkshopPath } from './steps.ts';

export type HarnessOrSkip = { harness: WorkshopHarness; skip?: undefined } | { harness?: undefined; skip: string };

export async function startHarnessForTests(path: WorkshopPath): Promise<HarnessOrSkip> {
  const definition = backendByName(path.backend);
  const embedded = definition?.embedded ?? true;
  const reason = unavailableReason(definition?.server ?? path.backend);
  const failOrSkip = (why: string): HarnessOrSkip => {
    if (process.env.CI === 'true' && embedded) throw new Error(`${path.title} could not start and CI=true: ${why}`);
    return { skip: skipMessage(path.title, why) };
  };
  if (reason) return failOrSkip(reason);
  try {
    return { harness: await path.startHarness() };
  } catch (error) {
    return failOrSkip(error instanceof Error ? error.message : String(error));
  }
}
