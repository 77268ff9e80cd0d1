-- wrk script for the vote-day drill: one line of figures at the end. Statuses
-- are counted from gunicorn's access log instead of a per-response callback,
-- which would cost wrk (on the same cores as the site) a Lua call per answer.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "DRILL requests=%d duration_us=%d non2xx3xx=%d connect=%d read=%d write=%d timeout=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    summary.requests, summary.duration, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
