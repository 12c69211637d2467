-- Renews the leases of a worker's running attempts, and marks each attempt renewed once:
-- an attempt whose lease expires without ever having been renewed may never have reached
-- its worker (see recover.lua).
--
-- KEYS: active, cancelling
-- ARGV: prefix, lease_us, then per attempt: id, token
-- Returns {lost, cancelled}, the attempts, as "id:token", that must stop: those whose lease
-- is lost, and those cancelled while running (see cancel.lua).
local prefix = ARGV[1]
local deadline = text(now_us() + tonumber(ARGV[2]))
local lost, cancelled = {}, {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local member = attempt_member(id, token)
  if redis.call('ZSCORE', KEYS[1], member) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, member)
    local key = job_key(prefix, id)
    if redis.call('HGET', key, 'renewed') ~= token then
      redis.call('HSET', key, 'renewed', token)
    end
  elseif redis.call('ZSCORE', KEYS[2], member) then
    cancelled[#cancelled + 1] = member
  else
    lost[#lost + 1] = member
  end
end
return {lost, cancelled}
