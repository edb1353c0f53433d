-- wrk script for bench/run.sh: POST one JSON body over and over on a
-- keep-alive connection, as a host does, and check every answer.
--
-- Environment (set by run.sh):
--   BENCH_TOKEN   the host credential (iamh_...), sent as "Authorization: Bearer"
--   BENCH_METHOD  POST (default) or GET
--   BENCH_BODY    the JSON request body of a POST
--   BENCH_EXPECT  a substring every 2xx answer body must contain, e.g.
--                 "result":"ok" (a 200 that says mfa_required or deny is a
--                 wrong answer, not a success)
--
-- done() prints one machine-readable line that run.sh parses:
--   BENCH rps=<req/s> p50_ms=<ms> p99_ms=<ms> requests=<n> non2xx=<n>
--         bad_body=<n> socket_errors=<n> timeouts=<n>

wrk.method = os.getenv("BENCH_METHOD") or "POST"
if wrk.method == "POST" then
	wrk.body = os.getenv("BENCH_BODY")
	wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")

local expect = os.getenv("BENCH_EXPECT") or ""
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	bad = 0
	samples = 0
	first_bad = ""
end

function response(status, headers, body)
	-- Non-2xx are counted by wrk itself; here only 2xx with the wrong answer.
	if status >= 200 and status < 300 and not string.find(body, expect, 1, true) then
		bad = bad + 1
		if first_bad == "" then first_bad = body end
	end
end

function done(summary, latency, requests)
	local bad_total, first = 0, ""
	for _, t in ipairs(threads) do
		bad_total = bad_total + t:get("bad")
		if first == "" then first = t:get("first_bad") or "" end
	end
	local e = summary.errors
	io.write(string.format(
		"BENCH rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d bad_body=%d socket_errors=%d timeouts=%d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.requests, e.status, bad_total, e.connect + e.read + e.write, e.timeout))
	if first ~= "" then
		io.write("BENCH first_bad_body=" .. first .. "\n")
	end
end
