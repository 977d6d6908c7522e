/* global __ENV */
// Appends with the last known expected version on a few hot streams: 409s are conflicts (counted by the
// `conflict` check), not failures. The k6 twin of append-contended.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, JSON_HEADERS, RUN, events, openModel, summaryTo } from './lib.js';

export const options = openModel({ rate: 100, maxVUs: 32 });
options.thresholds = { checks: ['rate>0.99'] };
const STREAMS = Number(__ENV.STREAMS || 4);
const known = {};

export default function () {
  const stream = `k6-${RUN}-hot-${Math.floor(Math.random() * STREAMS)}`;
  const expectedVersion = known[stream] === undefined ? 'no_stream' : known[stream];
  const res = http.post(`${BASE_URL}/streams/${stream}`, JSON.stringify({ events: events(1, 256), expectedVersion }), {
    ...JSON_HEADERS,
    responseCallback: http.expectedStatuses(200, 409),
  });
  if (res.status === 200) known[stream] = res.json('nextExpectedVersion');
  if (res.status === 409) {
    const actual = res.json('actual');
    known[stream] = actual === 'no_stream' ? undefined : actual;
  }
  check(res, { 'appended or conflict (200/409)': (r) => r.status === 200 || r.status === 409, conflict: (r) => r.status === 409 });
}

export const handleSummary = summaryTo('append-contended');
