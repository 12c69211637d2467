-- Creates a batch, `opening`: its members are enqueued next, each to its queue, and
-- batch_open.lua opens it once they all are. A member that comes after others waits for
-- them (see prelude.lua for the keys). Creating a batch that exists changes nothing, so
-- that a request sent again makes no second batch. A batch never opened expires after
-- `unopened_ms`.
--
-- KEYS: record, members, waits, dependents, fallbacks
-- ARGV: tenant, on_success, on_complete (each a callback's job as JSON, '' for none),
--   unopened_ms, then per member: id, how many it comes after, fallback ('cancel' or
--   'run'), the ids it comes after (spaced)
-- Returns 1 when it created the batch, 0 when it existed.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local record = {'state', 'opening', 'tenant', ARGV[1], 'created_at', text(now_us()), 'total', (#ARGV - 4) / 4,
  'succeeded', 0, 'dead', 0, 'cancelled', 0}
if ARGV[2] ~= '' then
  record[#record + 1] = 'on_success'
  record[#record + 1] = ARGV[2]
end
if ARGV[3] ~= '' then
  record[#record + 1] = 'on_complete'
  record[#record + 1] = ARGV[3]
end
redis.call('HSET', KEYS[1], unpack(record))
local members, waits, fallbacks, dependents = {}, {}, {}, {}
for at = 5, #ARGV, 4 do
  local id, count = ARGV[at], tonumber(ARGV[at + 1])
  members[#members + 1] = id
  members[#members + 1] = count > 0 and 'waiting' or 'pending'
  if count > 0 then
    waits[#waits + 1] = id
    waits[#waits + 1] = count
    if ARGV[at + 2] == 'run' then
      fallbacks[#fallbacks + 1] = id
      fallbacks[#fallbacks + 1] = 'run'
    end
    for before in string.gmatch(ARGV[at + 3], '%S+') do
      dependents[before] = (dependents[before] and dependents[before] .. ' ' or '') .. id
    end
  end
end
call_in_slices('HSET', KEYS[2], members)
call_in_slices('HSET', KEYS[3], waits)
call_in_slices('HSET', KEYS[5], fallbacks)
local flat = {}
for before, after in pairs(dependents) do
  flat[#flat + 1] = before
  flat[#flat + 1] = after
end
call_in_slices('HSET', KEYS[4], flat)
for _, key in ipairs(KEYS) do
  redis.call('PEXPIRE', key, ARGV[4])
end
return 1
