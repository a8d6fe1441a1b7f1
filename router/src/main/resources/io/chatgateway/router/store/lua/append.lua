-- KEYS seq, log; ARGV the event's JSON with "seq":-1, the log bound. Numbering and
-- storing in one step: a failure leaves no gap in the seqs, and it is one round trip.
-- ("seq":-1 cannot occur inside a JSON string: quotes there are escaped.)
if ARGV[3] ~= '' then
  -- once: KEYS[3] the chat's recent client keys; ARGV client key, their TTL, how many to keep
  for _, v in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do if v == ARGV[3] then return {0} end end
  redis.call('LPUSH', KEYS[3], ARGV[3])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
local seq = redis.call('INCR', KEYS[1])
local json = string.gsub(ARGV[1], '"seq":%-1', '"seq":' .. seq, 1)
redis.call('ZADD', KEYS[2], seq, json)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
-- a chat message moves the care state on (KEYS[4]; ARGV side 'c'/'a', now, timer, nudgeAfter, NONE)
if ARGV[6] == '' or redis.call('EXISTS', KEYS[4]) == 0 then return {seq} end
local before = redis.call('HMGET', KEYS[4], 'v', 'la', 'aw', 'nu', 'pr', 'hr')
if ARGV[6] == 'a' then
  redis.call('HSET', KEYS[4], 'la', ARGV[7], 'aw', ARGV[10], 'nu', '0', 'pr', ARGV[10], 'hr', '1')
else
  local aw = before[3]
  if aw == ARGV[10] then
    aw = ARGV[7]
    redis.call('HSET', KEYS[4], 'aw', aw, 'nu', '0')
  end
  redis.call('HSET', KEYS[4], 'pr', ARGV[10])
  local due = tonumber(aw) + tonumber(ARGV[9])
  local s = redis.call('ZSCORE', KEYS[5], ARGV[8])
  if (not s) or tonumber(s) > due then redis.call('ZADD', KEYS[5], string.format('%d', due), ARGV[8]) end
end
redis.call('HINCRBY', KEYS[4], 'v', 1)
return {seq, before[1], before[2], before[3], before[4], before[5], before[6]}
