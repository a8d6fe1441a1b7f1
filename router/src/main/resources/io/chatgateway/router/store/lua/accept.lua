-- KEYS chat; ARGV agentId.
if redis.call('HGET', KEYS[1], 'state') ~= 'OFFERED' or redis.call('HGET', KEYS[1], 'agentId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'ASSIGNED')
return 1
