-- KEYS chat; ARGV chatId, newGroup ('' keeps it).
-- include: release-fn
if redis.call('HGET', KEYS[1], 'state') ~= 'ASSIGNED' then return 0 end
local agent = redis.call('HGET', KEYS[1], 'agentId')
release_chat(KEYS[1], agent)
redis.call('SREM', '{cg}:agentchats:' .. agent, ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'WAITING')
redis.call('HDEL', KEYS[1], 'agentId')
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'group', ARGV[2]) end
enqueue(KEYS[1], ARGV[1])
return 1
