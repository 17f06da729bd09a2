-- wrk script: PUT of a small text body (a counter, a gauge, a 5-bucket
-- histogram: workload.SMALL_PUSH) over keep-alive.
-- BENCH_GROUPS=1 pushes into one group; N > 1 walks /metrics/job/bench/instance/i<k>
-- for k = 0 .. N-1, one group per request. BENCH_GROUP names the one group.
-- done() prints one JSON line the harness reads.

local groups = tonumber(os.getenv("BENCH_GROUPS") or "1")
local one_group = os.getenv("BENCH_GROUP") or "one"
-- The body: workload.SMALL_PUSH, written to BENCH_BODY_FILE by the harness.
local body_file = assert(io.open(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE not set"), "rb"))
local body = body_file:read("*a")
body_file:close()
local headers = {["Content-Type"] = "text/plain; version=0.0.4"}
local next_group = 0

request = function()
  local path
  if groups <= 1 then
    path = "/metrics/job/bench/instance/" .. one_group
  else
    path = "/metrics/job/bench/instance/i" .. next_group
    next_group = (next_group + 1) % groups
  end
  return wrk.format("PUT", path, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
