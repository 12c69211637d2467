-- Takes up to `count` jobs from the head of the queue and leases them to a worker:
-- each attempt gets a new fencing token (the job's lease counter) and joins the
-- active set with its lease deadline. A fresh job gets its hash here, and leaves the
-- fresh hash. A job taken for the first time leaves its tenant's waiting jobs. An id
-- whose job is no longer queued (cancelled, or expired since) is dropped, and leaves the
-- count of such ids (see cancel.lua).
--
-- Jobs with a priority come first, from the prioritized set (see queue_job); their copies
-- left in the ready list count as out of line until reserve drops them.
--
-- Beyond `count` jobs for its free slots, a worker may ask for `prefetch` more to keep at
-- hand; of those it gets at most half of what the queue holds beyond `count`, so that a
-- short queue is left to other workers too.
--
-- KEYS: ready, active, paused, fresh, tenant_jobs, tenant_bytes, stats, prioritized
-- ARGV: prefix, count, lease_us, worker, prefetch (count + prefetch: 1 to 1,000)
-- Returns {now, jobs, paused}; jobs holds five values per job:
--   id, token, attempt, spec, enqueued_at
local prefix = ARGV[1]
local now = now_us()
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {now, {}, 1}
end
local count = tonumber(ARGV[2])
local prefetch = tonumber(ARGV[5])
if prefetch > 0 then
  local spare = redis.call('LLEN', KEYS[1]) - count
  count = count + math.max(0, math.min(prefetch, math.floor(spare / 2)))
end
if count == 0 then
  return {now, {}, 0}
end
local ids = {}
local first = redis.call('ZPOPMIN', KEYS[8], count)
for i = 1, #first, 2 do
  ids[#ids + 1] = first[i]
end
local rest = #ids < count and redis.call('RPOP', KEYS[1], count - #ids)
if #ids == 0 then
  ids = rest
  if not ids then
    return {now, {}, 0}
  end
else
  redis.call('HINCRBY', KEYS[7], 'cancelled_in_line', #ids)
  for _, id in ipairs(rest or {}) do
    ids[#ids + 1] = id
  end
end
local now_text = text(now)
local deadline = text(now + tonumber(ARGV[3]))
local entries = redis.call('HMGET', KEYS[4], unpack(ids))
local jobs, members, taken = {}, {}, {}
local waiting = waiting_tally()
local dropped = 0
for n, id in ipairs(ids) do
  local key = job_key(prefix, id)
  local token, attempt, spec, enqueued_at
  if entries[n] then
    enqueued_at, spec = split_fresh_entry(entries[n])
    token, attempt = '1', '1'
    redis.call('HSET', key, 'spec', spec, 'state', 'running', 'lease', token, 'attempt', attempt,
      'created_at', enqueued_at, 'enqueued_at', enqueued_at, 'started_at', now_text, 'worker', ARGV[4])
    taken[#taken + 1] = id
    waiting.add(spec, -1)
  else
    local f = redis.call('HMGET', key, 'state', 'lease', 'attempt', 'spec', 'enqueued_at')
    if f[1] == 'queued' then
      token = text((tonumber(f[2]) or 0) + 1)
      attempt = text((tonumber(f[3]) or 0) + 1)
      spec, enqueued_at = f[4], f[5] or now_text
      if not f[3] and spec then
        waiting.add(spec, -1)
      end
      redis.call('HSET', key, 'state', 'running', 'lease', token, 'attempt', attempt, 'started_at', now_text, 'worker', ARGV[4])
    else
      dropped = dropped + 1
    end
  end
  if token then
    members[#members + 1] = deadline
    members[#members + 1] = attempt_member(id, token)
    local n = #jobs
    jobs[n + 1], jobs[n + 2], jobs[n + 3], jobs[n + 4], jobs[n + 5] = id, token, attempt, spec, enqueued_at
  end
end
call_in_slices('HDEL', KEYS[4], taken)
call_in_slices('ZADD', KEYS[2], members)
waiting.write(KEYS[5], KEYS[6])
if dropped > 0 and redis.call('HINCRBY', KEYS[7], 'cancelled_in_line', -dropped) < 0 then
  redis.call('HSET', KEYS[7], 'cancelled_in_line', 0)
end
return {now, jobs, 0}
