-- A boot storm for wrk: every phone of a list walks its boot sequence file after file, each file
-- on a new TLS connection (Connection: close), as a phone does; wrk's connections are the
-- concurrency.
--
-- wrk gives a script no handle on the connection a request or an answer belongs to, and running
-- one wrk thread per connection is slow (OpenSSL 3 serialises its threads' handshakes). So each
-- thread keeps its phones itself: a phone is "ready" when its previous file has been answered,
-- request() sends the next file of the longest-ready phone (activating a new phone when none is
-- ready), and response() gives an answer to the oldest request it matches: same status, and for
-- a 200 the same ETag (per file, computed beforehand). Phones waiting for the same bytes are
-- interchangeable, so this is exact in total and in every phone's order. An answer that matches
-- nothing (an error, wrong bytes) counts as "unmatched" (an error).
--
-- Environment: BENCH_LIST (a phone a line: "User-Agent<TAB>path status etag<TAB>..."),
-- BENCH_THREADS, BENCH_CONNS (connections per thread), BENCH_OUT (where done() writes JSON).
-- Thread i takes lines i, i+T, i+2T...; once all its phones are done it stops, and the benchmark
-- ends wrk (SIGINT) when every thread has. After the last phone is activated, a connection with
-- nothing to ask sends a request nginx refuses itself (400), counted apart.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC: one clock for every thread
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

-- wrk calls request() again when a fresh TLS connection cannot take the write yet (it drops the
-- first result), so a request() while every connection has one in flight is that: the same
-- phone's same file is asked again at once ("reissued", not an error). A phone whose file is
-- answered wrongly MAX_TRIES times, or reissued MAX_REISSUES times, has failed.
local MAX_TRIES = 3
local MAX_REISSUES = 20
local IDLE_PATH = "/%zz" -- nginx answers 400 before any location: no file, no upstream
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  conns = tonumber(os.getenv("BENCH_CONNS"))
  phones = {}
  local line_no = 0
  for line in io.lines(os.getenv("BENCH_LIST")) do
    if line_no % nthreads == id then
      local fields = {}
      for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
      local phone = { ua = fields[1], files = {}, f = 1, tries = 0, reissues = 0 }
      for k = 2, #fields do
        local path, status, etag = string.match(fields[k], "^(%S+) (%d+) (%S+)$")
        table.insert(phone.files, { path = path, key = status .. " " .. etag })
      end
      table.insert(phones, phone)
    end
    line_no = line_no + 1
  end
  nphones = #phones
  activated = 0
  ready = { head = 1, tail = 0 } -- FIFO of phone indexes (a reissue goes to the front)
  sent, sent_head = {}, 1 -- every request in send order: {phone, key, ready_at, sent_at, open}
  by_key = {} -- key -> FIFO of open requests
  inflight = 0
  provisioned, failed_phones, answers, unmatched, reissued, idle = 0, 0, 0, 0, 0, 0
  file_ms, wire_ms, boot_ms = {}, {}, {}
  started, finished = 0, 0
end

local function push_ready(pi, t)
  phones[pi].ready_at = t
  ready.tail = ready.tail + 1
  ready[ready.tail] = pi
end

local function push_front(pi)
  ready.head = ready.head - 1
  ready[ready.head] = pi
end

local function pop_ready()
  if ready.head > ready.tail then return nil end
  local pi = ready[ready.head]
  ready[ready.head] = nil
  ready.head = ready.head + 1
  return pi
end

local function finish_phone(pi, ok, t)
  if ok then
    provisioned = provisioned + 1
    boot_ms[#boot_ms + 1] = (t - phones[pi].first_at) / 1000
  else
    failed_phones = failed_phones + 1
  end
  if provisioned + failed_phones == nphones then
    finished = t
    wrk.thread:stop()
  end
end


local function close(req)
  req.open = false
  inflight = inflight - 1
end

local function oldest_open()
  while sent_head <= #sent and not sent[sent_head].open do sent_head = sent_head + 1 end
  return sent[sent_head]
end

function request()
  if id == 0 and not verified then
    -- wrk's main thread calls the first thread's request() once to check what it returns,
    -- and never sends that.
    verified = true
    return wrk.format("GET", IDLE_PATH)
  end
  local t = now_us()
  if started == 0 then started = t end
  -- A connection asks only when it has nothing in flight: if every connection seems to have a
  -- request in flight, the oldest was never sent (see MAX_REISSUES) or lost its connection.
  while inflight >= conns do
    local req = oldest_open()
    close(req)
    reissued = reissued + 1
    local phone = phones[req.phone]
    phone.tries, phone.reissues = phone.tries - 1, phone.reissues + 1
    if phone.reissues > MAX_REISSUES then
      finish_phone(req.phone, false, t)
    else
      push_front(req.phone)
    end
  end
  local pi = pop_ready()
  if pi == nil and activated < nphones then
    activated = activated + 1
    pi = activated
    phones[pi].first_at, phones[pi].ready_at = t, t
  end
  if pi == nil then
    idle = idle + 1
    return wrk.format("GET", IDLE_PATH, { ["Connection"] = "close", ["Host"] = "localhost" })
  end
  local phone = phones[pi]
  local file = phone.files[phone.f]
  phone.tries = phone.tries + 1
  local req = { phone = pi, key = file.key, ready_at = phone.ready_at, sent_at = t, open = true }
  sent[#sent + 1] = req
  local queue = by_key[file.key]
  if queue == nil then
    queue = { head = 1, tail = 0 }
    by_key[file.key] = queue
  end
  queue.tail = queue.tail + 1
  queue[queue.tail] = req
  inflight = inflight + 1
  return wrk.format("GET", file.path,
    { ["User-Agent"] = phone.ua, ["Connection"] = "close", ["Host"] = "localhost" })
end

local function match(key)
  local queue = by_key[key]
  if queue == nil then return nil end
  while queue.head <= queue.tail do
    local req = queue[queue.head]
    queue[queue.head] = nil
    queue.head = queue.head + 1
    if req.open then return req end
  end
  return nil
end

function response(status, headers, body)
  local t = now_us()
  if status == 400 then return end -- an idle request's answer
  local key = tostring(status) .. " " .. (status == 200 and (headers["ETag"] or "-") or "-")
  local req = match(key)
  if req == nil then
    -- An answer no phone waits for (an error, or the wrong bytes): charged to the oldest
    -- request, whose phone asks again (MAX_TRIES).
    unmatched = unmatched + 1
    req = oldest_open()
    if req == nil then return end
    close(req)
    if phones[req.phone].tries >= MAX_TRIES then
      finish_phone(req.phone, false, t)
    else
      push_ready(req.phone, t)
    end
    return
  end
  close(req)
  answers = answers + 1
  file_ms[#file_ms + 1] = (t - req.ready_at) / 1000
  wire_ms[#wire_ms + 1] = (t - req.sent_at) / 1000
  local phone = phones[req.phone]
  phone.f, phone.tries = phone.f + 1, 0
  if phone.f > #phone.files then
    finish_phone(req.phone, true, t)
  else
    push_ready(req.phone, t)
  end
end

local function percentiles(values)
  table.sort(values)
  local function pct(q)
    if #values == 0 then return -1 end
    return values[math.max(1, math.ceil(q / 100 * #values))]
  end
  return string.format('{"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f}',
    pct(50), pct(95), pct(99), pct(100))
end

function done(summary, latency, requests)
  local sums = { nphones = 0, provisioned = 0, failed_phones = 0, answers = 0, unmatched = 0,
    reissued = 0, idle = 0 }
  local first, last = nil, 0
  local lists = { file_ms = {}, wire_ms = {}, boot_ms = {} }
  for _, thread in ipairs(threads) do
    for key, value in pairs(sums) do sums[key] = value + (thread:get(key) or 0) end
    local s, e = thread:get("started") or 0, thread:get("finished") or 0
    if s > 0 and (first == nil or s < first) then first = s end
    if e > last then last = e end
    for name, list in pairs(lists) do
      for _, v in ipairs(thread:get(name) or {}) do list[#list + 1] = v end
    end
  end
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"phones": %d, "provisioned": %d, "failed_phones": %d, "answers": %d, "unmatched": %d, ' ..
    '"reissued": %d, "idle": %d, "started_us": %.0f, "finished_us": %.0f, "file_ms": %s, ' ..
    '"wire_ms": %s, "boot_ms": %s, "wrk_requests": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    sums.nphones, sums.provisioned, sums.failed_phones, sums.answers, sums.unmatched, sums.reissued,
    sums.idle, first or 0, last, percentiles(lists.file_ms), percentiles(lists.wire_ms),
    percentiles(lists.boot_ms), summary.requests, e.connect, e.read, e.write, e.timeout))
  out:close()
end
