/**
 * When an open-loop run could not keep up with its schedule: its figures then describe a queue, not the
 * backend's latency at that rate, and its throughput is what was achieved while saturated (not a
 * capacity). Saturated when any of:
 * - an operation was due but never sent (the in-flight bound held it back to the end);
 * - fewer than `minAchievedShare` (95 %) of the offered operations per second were answered (conflicts
 *   are answers: a losing append was served);
 * - the send delay's p99 exceeded `maxSendDelayP99Ms`: operations started late, the schedule slipped.
 * A closed loop has no schedule to fall behind; it is never "saturated" in this sense.
 */
import type { RunSummary, SaturationRule } from '../results-file/schema.ts';
import { round } from './histograms.ts';

export const DEFAULT_SATURATION_RULE: SaturationRule = { minAchievedShare: 0.95, maxSendDelayP99Ms: 20 };

export type SaturationInput = Pick<RunSummary, 'mode' | 'targetRate' | 'throughput' | 'conflicts' | 'measuredSeconds' | 'unsent' | 'sendDelay'>;

/** The reasons the run saturated; empty when it kept up. */
export function saturationReasons(s: SaturationInput, rule: SaturationRule = DEFAULT_SATURATION_RULE): string[] {
  if (s.mode !== 'open' || s.targetRate === null) return [];
  const reasons: string[] = [];
  if (s.unsent > 0) reasons.push(`${s.unsent} ${s.unsent === 1 ? 'operation' : 'operations'} never sent`);
  const answered = s.throughput + s.conflicts / Math.max(s.measuredSeconds, 1e-9);
  if (answered < rule.minAchievedShare * s.targetRate) {
    reasons.push(`achieved ${round(answered, 1)}/s < ${Math.round(rule.minAchievedShare * 100)} % of ${s.targetRate}/s offered`);
  }
  if (s.sendDelay.p99Ms > rule.maxSendDelayP99Ms) reasons.push(`send delay p99 ${s.sendDelay.p99Ms} ms > ${rule.maxSendDelayP99Ms} ms`);
  return reasons;
}
