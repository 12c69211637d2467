-- Records a running attempt's progress in its job's hash, as the one field `progress`:
-- "<done> <total> <attempt> <updated_at> <message>", the message last since it may hold
-- anything. Fenced as every call about a running attempt: only the attempt that is a member
-- of the active set writes, so an old attempt's news never covers a newer one's. The field
-- stays when the job finishes, and goes with its hash.
--
-- KEYS: active
-- ARGV: prefix, id, token, done, total, attempt, message
-- Returns 1 (written) or 0 (refused: the attempt no longer holds its lease).
local prefix, id, token = ARGV[1], ARGV[2], ARGV[3]
if not redis.call('ZSCORE', KEYS[1], attempt_member(id, token)) then
  return 0
end
redis.call('HSET', job_key(prefix, id), 'progress',
  ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. ARGV[6] .. ' ' .. text(now_us()) .. ' ' .. ARGV[7])
return 1
