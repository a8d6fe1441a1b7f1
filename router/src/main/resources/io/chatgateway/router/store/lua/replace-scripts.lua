-- KEYS scripts; ARGV expected version, json.
local v = redis.call('HGET', KEYS[1], 'version') or '0'
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tonumber(v) + 1, 'json', ARGV[2])
return 1
