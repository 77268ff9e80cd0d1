-- wrk script for the vote-day drill: counts 5xx and 4xx apart, prints one line.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  s5xx = 0
  s4xx = 0
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status >= 400 then
    s4xx = s4xx + 1
  end
end

function done(summary, latency, requests)
  local total5, total4 = 0, 0
  for _, thread in ipairs(threads) do
    total5 = total5 + thread:get("s5xx")
    total4 = total4 + thread:get("s4xx")
  end
  local e = summary.errors
  io.write(string.format(
    "DRILL requests=%d duration_us=%d s5xx=%d s4xx=%d connect=%d read=%d write=%d timeout=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    summary.requests, summary.duration, total5, total4,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
