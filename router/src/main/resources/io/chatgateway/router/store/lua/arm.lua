-- KEYS timers; ARGV due, name. The earlier deadline wins (ZADD LT needs Redis 6.2; this runs on 6.0 too).
local s = redis.call('ZSCORE', KEYS[1], ARGV[2])
if (not s) or tonumber(s) > tonumber(ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) end
return 1
