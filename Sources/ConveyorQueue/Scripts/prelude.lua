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
-- error, result. A job that has options the scripts act on carries them on the spec's
-- first line, after max_attempts, each as a tab and `name=value` (see spec_option).
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

-- The value of the option `name` on a spec's first line, or nil: `r` the kind's own
-- retention (microseconds), `u` the unique lock (its scope letter, then its key), `b` the
-- batch the job belongs to.
local function spec_option(spec, name)
  return string.match(spec, '^%d+[^\n]*\t' .. name .. '=([^\t\n]*)')
end

-- A unique lock is the key prefix .. 'unique:' .. its key, holding the id of the job that
-- took it. Scope S holds it until that job starts, F until it finishes, P for a period,
-- the key's expiry. Whether an S or F lock still holds is read from its job when another
-- enqueue asks, so no state change has to free it on time; jobs free theirs when they
-- finish, which only saves the memory.
local function unique_lock_key(prefix, lock)
  return prefix .. 'unique:' .. string.sub(lock, 2)
end

-- Whether `holder`'s lock of scope `scope` still holds.
local function unique_lock_holds(prefix, fresh, finished, holder, scope)
  if scope == 'P' or redis.call('HEXISTS', fresh, holder) == 1 then
    return true
  end
  local f = redis.call('HMGET', job_key(prefix, holder), 'state', 'attempt')
  if not f[1] or f[1] == 'dead' or f[1] == 'cancelled' then
    return false
  end
  if scope == 'S' then
    return not f[2]
  end
  return not redis.call('ZSCORE', finished, holder)
end

-- Frees the lock of a finished job `id` of spec `spec`, unless its scope is a period or
-- another job holds it.
local function free_unique_lock(prefix, id, spec)
  local lock = spec and spec_option(spec, 'u')
  if lock and string.sub(lock, 1, 1) ~= 'P' then
    local key = unique_lock_key(prefix, lock)
    if redis.call('GET', key) == id then
      redis.call('DEL', key)
    end
  end
end

-- How much later than now a finished job of spec `spec` joins the finished set, whose sweep
-- deletes what joined it longer than the queue's retention ago: its kind's own retention
-- less the queue's, 0 for a kind without one.
local function retention_shift(spec, retention_us)
  local own = spec and spec_option(spec, 'r')
  return own and (tonumber(own) - retention_us) or 0
end

-- Puts a job in the ready list: at its tail (LPUSH), or at its head (RPUSH) when it goes
-- back to where it was. A job with a priority (1 to 9) also joins the prioritized set,
-- from which reserve takes first: highest priority first, and in the order they joined
-- within one, by a counter in the stats hash. Its id stays in the ready list too, which
-- wakes a waiting worker and counts it in the depth; reserve counts the copy as out of line
-- (`cancelled_in_line`) once it takes the job from the set.
local function queue_job(ready, prioritized, stats, id, priority, at_head)
  redis.call(at_head and 'RPUSH' or 'LPUSH', ready, id)
  local level = tonumber(priority) or 0
  if level > 0 then
    local order = redis.call('HINCRBY', stats, 'priority_order', 1)
    -- 2^49 orders a priority; 9 of them stay within a double's exact integers
    redis.call('ZADD', prioritized, (9 - level) * 562949953421312 + order, id)
  end
end

-- A batch's member tells its batch what became of it through the queue's batch_events
-- hash (id -> batch, a tab, the outcome: succeeded, dead, cancelled, retrying or retried),
-- written in the script that changed the job, so that no outcome is lost between two
-- slots; a relay applies them to the batch (see batch_record.lua) and then removes them.
-- A job's later outcome replaces an earlier one not yet applied.
local function note_batch_outcome(prefix, id, spec, outcome)
  local batch = spec and spec_option(spec, 'b')
  if batch then
    redis.call('HSET', prefix .. 'batch_events', id, batch .. '\t' .. outcome)
  end
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

-- Moves a job of spec `spec` to the dead set, frees its unique lock, then keeps the set
-- within its size cap and age limit, deleting the hashes of the jobs it drops.
local function bury(prefix, dead, id, spec, now, reason, dead_max, dead_ttl_us)
  redis.call('HSET', job_key(prefix, id), 'state', 'dead', 'finished_at', text(now), 'error', reason)
  free_unique_lock(prefix, id, spec)
  note_batch_outcome(prefix, id, spec, 'dead')
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

-- A batch lives under a hash tag of its own, its keys starting "conveyor:{batch:<id>}:":
-- `record` (tenant, state, total and the count of each finished outcome, the times, the
-- callbacks and whether they were made), `members` (id -> pending, waiting, succeeded,
-- dead or cancelled), `waits` (a waiting member's dependencies not yet succeeded),
-- `dependents` (id -> the ids that come after it, spaced), `fallbacks` (id -> 'run' for a
-- member that runs even when one it comes after died), `failed` (the members that failed
-- an attempt) and `actions`: what the relay must do in the members' queues and has not yet
-- done ('release:<id>', 'cancel:<id>', 'callback:on_success', 'callback:on_complete').
local batch_keys = {'record', 'members', 'waits', 'dependents', 'fallbacks', 'failed', 'actions'}

-- Finishes an open batch whose members have all finished, once: its on_complete is due,
-- and its on_success when every member succeeded (which a dead member retried to success
-- may bring later). Its keys expire a retention after; a retried member reopens it.
local function batch_settle(prefix, now, retention_us)
  local record = prefix .. 'record'
  local f = redis.call('HMGET', record, 'state', 'total', 'succeeded', 'dead', 'cancelled', 'on_success', 'on_complete', 'success_made', 'complete_made')
  if f[1] ~= 'open' and f[1] ~= 'finished' then
    return
  end
  local total, succeeded = tonumber(f[2]), tonumber(f[3]) or 0
  if succeeded + (tonumber(f[4]) or 0) + (tonumber(f[5]) or 0) < total then
    if f[1] == 'finished' then
      redis.call('HSET', record, 'state', 'open')
      redis.call('HDEL', record, 'finished_at')
      for _, name in ipairs(batch_keys) do
        redis.call('PERSIST', prefix .. name)
      end
    end
    return
  end
  if f[1] == 'open' then
    redis.call('HSET', record, 'state', 'finished', 'finished_at', text(now))
    if f[7] and f[9] ~= '1' then
      redis.call('HSET', prefix .. 'actions', 'callback:on_complete', '1')
      redis.call('HSET', record, 'complete_made', '1')
    end
    for _, name in ipairs(batch_keys) do
      redis.call('PEXPIRE', prefix .. name, math.max(1, math.floor(retention_us / 1000)))
    end
  end
  if succeeded == total and f[6] and f[8] ~= '1' then
    redis.call('HSET', prefix .. 'actions', 'callback:on_success', '1')
    redis.call('HSET', record, 'success_made', '1')
  end
end
