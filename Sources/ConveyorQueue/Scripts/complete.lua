-- Marks a batch of attempts succeeded. Each one is fenced: an attempt whose lease was
-- lost (recovered, handed back, timed out) is refused and changes nothing.
--
-- KEYS: active, stats
-- ARGV: prefix, retention_ms, then per job: id, token, result ('' for none)
-- Returns one 1 (done) or 0 (refused) per job, in order.
local prefix, retention_ms = ARGV[1], ARGV[2]
local now_text = text(now_us())
local replies = {}
local done = 0
for i = 3, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[1], attempt_member(id, ARGV[i + 1])) == 1 then
    local key = job_key(prefix, id)
    if ARGV[i + 2] == '' then
      redis.call('HSET', key, 'state', 'succeeded', 'finished_at', now_text)
    else
      redis.call('HSET', key, 'state', 'succeeded', 'finished_at', now_text, 'result', ARGV[i + 2])
    end
    redis.call('PEXPIRE', key, retention_ms)
    replies[#replies + 1] = 1
    done = done + 1
  else
    replies[#replies + 1] = 0
  end
end
if done > 0 then
  redis.call('HINCRBY', KEYS[2], 'succeeded', done)
end
return replies
