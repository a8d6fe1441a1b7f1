-- KEYS chat, agent; ARGV agentId, state, chatId. 0 done, 1 chat not waiting, 2 agent unavailable, 3 full.
-- include: room-fn
if redis.call('HGET', KEYS[1], 'state') ~= 'WAITING' then return 1 end
local st = redis.call('HMGET', KEYS[2], 'status', 'connected', 'load', 'capacity', 'groups')
if not st[1] or st[1] ~= 'ONLINE' or st[2] ~= '1' then return 2 end
local load = tonumber(st[3]); local cap = tonumber(st[4])
if load >= cap then return 3 end
local f = redis.call('HMGET', KEYS[1], 'group', 'tier')
redis.call('ZREM', '{cg}:q:' .. f[1] .. ':' .. f[2], ARGV[3])
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'agentId', ARGV[1])
redis.call('SADD', '{cg}:agentchats:' .. ARGV[1], ARGV[3])
load = load + 1
-- lastTaken: the store's sequence of offers and assignments (longest idle first among equals, no shared clock)
redis.call('HSET', KEYS[2], 'load', load, 'lastTaken', redis.call('INCR', '{cg}:takeseq'))
refresh_room(ARGV[1])
return 0
