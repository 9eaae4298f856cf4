-- wrk script of bench/throughput.py: one SCIM operation per run.
--
-- wrk ... -s bench/throughput.lua URL -- OP BASE_PATH TOKEN IDS_FILE NAMES_FILE RUN_ID
--
-- OP is get, filter, list, patch or post. IDS_FILE and NAMES_FILE hold the seeded users' ids
-- and userNames, one a line; each thread walks them from its own offset. POST bodies carry
-- a userName made of RUN_ID, the thread's number and a counter, so none is refused as taken.
-- done() prints one line "WRK {json}" that the Python side reads.

local op, base, ids, names, run_id
local headers = {}
local paths = {}
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function read_lines(file)
  local lines = {}
  for line in io.lines(file) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

function init(args)
  op, base, run_id = args[1], args[2], args[6]
  headers["Authorization"] = "Bearer " .. args[3]
  headers["Accept"] = "application/scim+json"
  ids, names = read_lines(args[4]), read_lines(args[5])
  -- Paths are built once here, so that request() only picks one.
  for i = 1, #ids do
    if op == "get" or op == "patch" then
      paths[i] = base .. "/Users/" .. ids[i]
    elseif op == "filter" then
      paths[i] = base .. "/Users?filter=" .. urlencode('userName eq "' .. names[i] .. '"')
    end
  end
  if op == "list" then paths[1] = base .. "/Users?startIndex=1&count=50" end
  if op == "patch" or op == "post" then headers["Content-Type"] = "application/scim+json" end
  counter = (thread_no or 1) * 7919
end

local patch_body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
  .. '"Operations":[{"op":"replace","path":"displayName","value":"Patched %d"}]}'
local post_body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
  .. '"userName":"%s@example.com","name":{"givenName":"Wrk","familyName":"Load"},'
  .. '"emails":[{"value":"%s@example.com","type":"work","primary":true}],"active":true}'

function request()
  counter = counter + 1
  if op == "list" then
    return wrk.format("GET", paths[1], headers)
  elseif op == "post" then
    local name = string.format("wrk-%s-%d-%d", run_id, thread_no or 1, counter)
    return wrk.format("POST", base .. "/Users", headers, string.format(post_body, name, name))
  end
  local path = paths[counter % #paths + 1]
  if op == "patch" then
    return wrk.format("PATCH", path, headers, string.format(patch_body, counter))
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "status_errors": %d, "connect": %d, '
      .. '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
