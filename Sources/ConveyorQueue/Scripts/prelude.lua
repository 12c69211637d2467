-- Prepended to every Conveyor script. A queue's keys all start with its prefix
-- "conveyor:{queue}:", so every key a script touches, job hashes included, carries
-- the queue's hash tag and lives in one Redis Cluster slot. Every call declares, after
-- the keys its script names, one more that is never written (QueueKeys.declaring): a
-- cluster refuses to start the script while that slot moves between masters, when the
-- job hashes it reaches by name may be on either.
--
-- Times are Redis server time in microseconds: one clock for every worker, API and
-- scheduler process, whatever their machines' clocks say. They are written as text
-- formatted once per call, since Lua would otherwise format a number on every write.
--
-- A job's hash holds `spec` (what the producer asked for, packed by the client:
-- max_attempts, timeout_ms, kind, request_id, tenant, payload, one per line with the
-- payload last) and the fields of its life: state, attempt, lease, the times, worker,
-- error, result.
-- A job enqueued to run at once has no hash of its own until a worker takes it (or it is
-- cancelled): it waits as one field of the queue's fresh hash, id -> fresh_entry, because
-- one HSET for a whole batch costs Redis a fraction of a hash per job, AOF included.
-- A succeeded job's hash is left as its attempt found it (state 'running'): the queue's
-- finished set holds its id, scored by when it succeeded, which is what makes it
-- succeeded; readers take the state and finished_at from there. A cancelled job joins
-- the same set, with its hash saying 'cancelled'. Either stays for the queue's
-- retention, and sweep_finished deletes it after.
--
-- The fence: a running attempt is the member "<id>:<lease>" of the queue's active set,
-- scored by its lease deadline, and only the attempt that is a member may change its
-- job; removing the member is both the check and the claim.
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function text(number)
  return string.format('%d', number)
end

local function job_key(prefix, id)
  return prefix .. 'job:' .. id
end

-- A fresh job's value in the fresh hash: its enqueue time, a line break, its spec.
local function fresh_entry(enqueued_at, spec)
  return enqueued_at .. '\n' .. spec
end

-- The enqueue time and the spec of a fresh_entry.
local function split_fresh_entry(entry)
  local cut = string.find(entry, '\n', 1, true)
  return string.sub(entry, 1, cut - 1), string.sub(entry, cut + 1)
end

-- A tenant's waiting jobs are those enqueued and not yet taken by a worker nor cancelled,
-- counted per queue in the hashes tenant_jobs (tenant -> jobs) and tenant_bytes (tenant ->
-- the length of their specs), against which enqueue checks the tenants' quotas. Enqueue
-- adds to them; a job's first reserve, or its cancel before that, takes it off. A job has
-- been taken once its hash has an `attempt` field: fresh jobs have no hash, and enqueue
-- gives a delayed job's hash none.

-- The tenant of a spec: its fifth line.
local function spec_tenant(spec)
  return string.match(spec, '^[^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n([^\n]*)') or ''
end

-- Adds `change` to a tenant's tally in `key`; a tally that reaches 0 is removed.
local function add_to_tally(key, tenant, change)
  if change ~= 0 and redis.call('HINCRBY', key, tenant, change) <= 0 then
    redis.call('HDEL', key, tenant)
  end
end

-- Sums the changes of one call to the tenants' waiting jobs, to write each tenant's once:
-- `counts` holds the jobs by tenant, then the bytes by tenant.
local function waiting_tally()
  local jobs, bytes = {}, {}
  local tally = {counts = {jobs, bytes}}
  function tally.add(spec, sign)
    local tenant = spec_tenant(spec)
    jobs[tenant] = (jobs[tenant] or 0) + sign
    bytes[tenant] = (bytes[tenant] or 0) + sign * #spec
  end
  function tally.write(jobs_key, bytes_key)
    for tenant, change in pairs(jobs) do
      add_to_tally(jobs_key, tenant, change)
      add_to_tally(bytes_key, tenant, bytes[tenant])
    end
  end
  return tally
end

local function attempt_member(id, token)
  return id .. ':' .. token
end

local function max_attempts(spec)
  return tonumber(string.match(spec or '', '^(%d+)')) or 1
end

-- Runs `command key` on `values` in calls of at most 1,000 arguments, within Lua's
-- limit on unpacked values; `command` alone when `key` is nil. Returns the calls' array
-- replies joined into one, in order (empty for commands that answer a count).
local function call_in_slices(command, key, values)
  local joined = {}
  for first = 1, #values, 1000 do
    local last = math.min(first + 999, #values)
    local reply
    if key then
      reply = redis.call(command, key, unpack(values, first, last))
    else
      reply = redis.call(command, unpack(values, first, last))
    end
    if type(reply) == 'table' then
      for _, value in ipairs(reply) do
        joined[#joined + 1] = value
      end
    end
  end
  return joined
end

-- Deletes the hashes of at most `limit` jobs that succeeded or were cancelled at or
-- before `cutoff` (now less the retention), and takes them out of the finished set.
local function sweep_finished(prefix, finished, cutoff, limit)
  local ids = redis.call('ZRANGEBYSCORE', finished, '-inf', cutoff, 'LIMIT', 0, limit)
  if #ids == 0 then
    return 0
  end
  local keys = {}
  for n, id in ipairs(ids) do
    keys[n] = job_key(prefix, id)
  end
  call_in_slices('DEL', nil, keys)
  call_in_slices('ZREM', finished, ids)
  return #ids
end

-- Deletes up to 100 jobs of the dead set that died more than `dead_ttl_us` ago.
local function drop_old_dead(prefix, dead, now, dead_ttl_us)
  local too_old = redis.call('ZRANGEBYSCORE', dead, '-inf', now - dead_ttl_us, 'LIMIT', 0, 100)
  for _, old in ipairs(too_old) do
    redis.call('DEL', job_key(prefix, old))
  end
  call_in_slices('ZREM', dead, too_old)
end

-- Moves a job to the dead set, then keeps the set within its size cap and age limit,
-- deleting the hashes of the jobs it drops.
local function bury(prefix, dead, id, now, reason, dead_max, dead_ttl_us)
  redis.call('HSET', job_key(prefix, id), 'state', 'dead', 'finished_at', text(now), 'error', reason)
  redis.call('ZADD', dead, now, id)
  local excess = redis.call('ZCARD', dead) - dead_max
  if excess > 0 then
    local dropped = redis.call('ZPOPMIN', dead, excess)
    for i = 1, #dropped, 2 do
      redis.call('DEL', job_key(prefix, dropped[i]))
    end
  end
  drop_old_dead(prefix, dead, now, dead_ttl_us)
end
