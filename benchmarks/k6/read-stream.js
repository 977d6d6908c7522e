/* global __ENV */
// Reads one whole stream, chosen at random among STREAMS streams of EVENTS events written in setup().
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, JSON_HEADERS, RUN, events, openModel, summaryTo } from './lib.js';

export const options = openModel({ rate: 300 });
const STREAMS = Number(__ENV.STREAMS || 100);
const EVENTS = Number(__ENV.EVENTS || 50);

export function setup() {
  for (let s = 0; s < STREAMS; s++) {
    const res = http.post(`${BASE_URL}/streams/k6-${RUN}-read-${s}`, JSON.stringify({ events: events(EVENTS, 256) }), JSON_HEADERS);
    if (res.status !== 200) throw new Error(`setup append failed: ${res.status} ${res.body}`);
  }
}

export default function () {
  const res = http.get(`${BASE_URL}/streams/k6-${RUN}-read-${Math.floor(Math.random() * STREAMS)}`);
  check(res, { 'read (200)': (r) => r.status === 200, [`${EVENTS} events`]: (r) => r.json('events').length === EVENTS });
}

export const handleSummary = summaryTo('read-stream');
