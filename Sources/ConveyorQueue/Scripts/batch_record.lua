-- Applies its members' outcomes, as the relay read them from their queues' batch_events,
-- to a batch: each member's state and the counts, once however often an outcome comes; a
-- member that comes after this one is released once all it comes after have succeeded (or
-- finished, with fallback 'run'), or cancelled when one of them died or was cancelled; and
-- the batch settles (see batch_settle). What must happen in the queues is left in `actions`
-- for the relay, which removes each once done: an action not done is returned again.
--
-- A batch still opening is left so (its outcomes wait in their queues) unless it has been
-- opening for longer than `abandon_after_us`: its creator died before it had enqueued every
-- member, and it becomes `abandoned`, counting outcomes and acting on none.
--
-- KEYS: record, members, waits, dependents, fallbacks, failed, actions
-- ARGV: prefix (the batch's), retention_us, abandon_after_us, then per outcome: id,
--   outcome (succeeded, dead, cancelled, retrying, retried)
-- Returns {'missing'}, {'opening'}, or {'recorded', then the pending actions}.
local prefix = ARGV[1]
local now = now_us()
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return {'missing'}
end
if state == 'opening' then
  if now - tonumber(redis.call('HGET', KEYS[1], 'created_at')) < tonumber(ARGV[3]) then
    return {'opening'}
  end
  state = 'abandoned'
  redis.call('HSET', KEYS[1], 'state', state)
end
local finished = {succeeded = true, dead = true, cancelled = true}
for at = 4, #ARGV, 2 do
  local id, outcome = ARGV[at], ARGV[at + 1]
  local old = redis.call('HGET', KEYS[2], id)
  if old and outcome == 'retrying' then
    redis.call('HSET', KEYS[6], id, '1')
  elseif old and outcome == 'retried' then
    if old == 'dead' then
      redis.call('HSET', KEYS[2], id, 'pending')
      redis.call('HINCRBY', KEYS[1], 'dead', -1)
    end
  elseif old and old ~= outcome and finished[outcome] then
    if finished[old] then
      redis.call('HINCRBY', KEYS[1], old, -1)
    end
    redis.call('HSET', KEYS[2], id, outcome)
    redis.call('HINCRBY', KEYS[1], outcome, 1)
    local after = state ~= 'abandoned' and redis.call('HGET', KEYS[4], id)
    for next_id in string.gmatch(after or '', '%S+') do
      if redis.call('HGET', KEYS[2], next_id) == 'waiting' then
        if outcome == 'succeeded' or redis.call('HGET', KEYS[5], next_id) == 'run' then
          if redis.call('HINCRBY', KEYS[3], next_id, -1) <= 0 then
            redis.call('HSET', KEYS[2], next_id, 'pending')
            redis.call('HSET', KEYS[7], 'release:' .. next_id, '1')
          end
        else
          redis.call('HSET', KEYS[2], next_id, 'pending')
          redis.call('HSET', KEYS[7], 'cancel:' .. next_id, '1')
        end
      end
    end
  end
end
if state ~= 'abandoned' then
  batch_settle(prefix, now, tonumber(ARGV[2]))
end
local reply = redis.call('HKEYS', KEYS[7])
table.insert(reply, 1, 'recorded')
return reply
