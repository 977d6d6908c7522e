/* global __ENV, __VU, __ITER */
// Shared pieces of the k6 scripts: the facade's URL, an open-model (constant-arrival-rate) scenario
// built from the environment, event payloads like the harness's, and a JSON summary in /results.
//
// Environment: BENCH_HTTP_URL (the facade, default http://127.0.0.1:8080), RATE (iterations/s),
// DURATION (e.g. 30s), VUS (pre-allocated VUs), MAX_VUS (the in-flight bound: when all are busy,
// k6 counts dropped_iterations instead of queueing without limit), STREAMS, EVENTS_PER_APPEND,
// EVENT_SIZE (bytes).
export const BASE_URL = (__ENV.BENCH_HTTP_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const RUN = __ENV.RUN_ID || `k6-${Date.now().toString(36)}`;

export function openModel(defaults) {
  return {
    scenarios: {
      open: {
        executor: 'constant-arrival-rate',
        rate: Number(__ENV.RATE || defaults.rate),
        timeUnit: '1s',
        duration: __ENV.DURATION || defaults.duration || '30s',
        preAllocatedVUs: Number(__ENV.VUS || 16),
        maxVUs: Number(__ENV.MAX_VUS || defaults.maxVUs || 64),
      },
    },
    // k6 measures from the actual send, not the intended start: watch dropped_iterations and
    // iteration_duration together (see docs/benchmarks.md).
    thresholds: { http_req_failed: ['rate<0.01'] },
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
  };
}

export function events(count, size) {
  const pad = 'x'.repeat(Math.max(0, size - 110));
  const out = [];
  for (let k = 0; k < count; k++) out.push({ type: 'BenchmarkEvent', data: { run: RUN, vu: __VU, iter: __ITER, k, pad } });
  return out;
}

export const JSON_HEADERS = { headers: { 'Content-Type': 'application/json' } };

export function summaryTo(name) {
  return (data) => ({
    stdout: `\n${name}: ${JSON.stringify({ iterations: data.metrics.iterations && data.metrics.iterations.values, dropped: data.metrics.dropped_iterations && data.metrics.dropped_iterations.values, http_req_duration: data.metrics.http_req_duration && data.metrics.http_req_duration.values }, null, 1)}\n`,
    [`/results/k6-${name}.json`]: JSON.stringify(data, null, 1),
  });
}
