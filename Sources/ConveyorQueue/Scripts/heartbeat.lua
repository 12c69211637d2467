-- Renews the leases of a worker's running attempts.
--
-- KEYS: active
-- ARGV: prefix, lease_us, then per job: id, token
-- Returns the ids whose lease is lost: their attempts must stop.
local prefix = ARGV[1]
local deadline = now_us() + tonumber(ARGV[2])
local lost = {}
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  if holds_lease(job_key(prefix, id), ARGV[i + 1]) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
