-- KEYS chat; ARGV agentId, chatId.
-- include: release-fn
if redis.call('HGET', KEYS[1], 'state') ~= 'OFFERED' or redis.call('HGET', KEYS[1], 'agentId') ~= ARGV[1] then return 0 end
release(ARGV[1])
redis.call('SREM', '{cg}:agentchats:' .. ARGV[1], ARGV[2])
redis.call('HSET', KEYS[1], 'state', 'WAITING')
redis.call('HDEL', KEYS[1], 'agentId')
enqueue(KEYS[1], ARGV[2])
return 1
