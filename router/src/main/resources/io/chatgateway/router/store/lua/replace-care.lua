-- KEYS care; ARGV expected version, next version, fields...
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'la', ARGV[3], 'aw', ARGV[4], 'nu', ARGV[5], 'pr', ARGV[6], 'hr', ARGV[7], 'id', ARGV[8])
return 1
