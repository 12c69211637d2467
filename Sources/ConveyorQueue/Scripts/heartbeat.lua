-- Renews the leases of a worker's running attempts.
--
-- KEYS: active
-- ARGV: lease_us, then per job: id, token
-- Returns the ids whose lease is lost: their attempts must stop.
local deadline = now_us() + tonumber(ARGV[1])
local lost = {}
for i = 2, #ARGV, 2 do
  local member = attempt_member(ARGV[i], ARGV[i + 1])
  if redis.call('ZSCORE', KEYS[1], member) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, member)
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
