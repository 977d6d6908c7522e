/* global __ENV */
// Single-event (or EVENTS_PER_APPEND) appends over many streams, expected version `any`, at a constant
// arrival rate: the k6 twin of the append-single workload.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, JSON_HEADERS, RUN, events, openModel, summaryTo } from './lib.js';

export const options = openModel({ rate: 200 });
const STREAMS = Number(__ENV.STREAMS || 10000);
const PER_APPEND = Number(__ENV.EVENTS_PER_APPEND || 1);
const SIZE = Number(__ENV.EVENT_SIZE || 256);

export default function () {
  const stream = `k6-${RUN}-${Math.floor(Math.random() * STREAMS)}`;
  const res = http.post(`${BASE_URL}/streams/${stream}`, JSON.stringify({ events: events(PER_APPEND, SIZE), expectedVersion: 'any' }), JSON_HEADERS);
  check(res, { 'appended (200)': (r) => r.status === 200 });
}

export const handleSummary = summaryTo('append');
