/* global __ENV */
// Catch-up read of the global log in pages of PAGE events; each VU walks the log from the start and
// wraps around at its end. Positions are opaque decimal strings: passed back as `from` unchanged.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, openModel, summaryTo } from './lib.js';

export const options = openModel({ rate: 50, maxVUs: 8 });
const PAGE = Number(__ENV.PAGE || 500);
let from = '0';

export default function () {
  const res = http.get(`${BASE_URL}/all?from=${from}&max=${PAGE}`);
  check(res, { 'read (200)': (r) => r.status === 200 });
  if (res.status === 200) from = res.json('end') ? '0' : res.json('next');
}

export const handleSummary = summaryTo('read-all');
