-- KEYS chat, agent; ARGV agentId. An assigned chat whose shopper went quiet stops counting against its agent:
-- load - 1 and the chat marked idle (close, requeue and transfer then release nothing more: release-fn).
-- Returns 1, or 0 when the chat is not assigned to that agent or is idle already.
-- include: room-fn
local f = redis.call('HMGET', KEYS[1], 'state', 'agentId', 'idle')
if f[1] ~= 'ASSIGNED' or f[2] ~= ARGV[1] or f[3] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'idle', '1')
local load = tonumber(redis.call('HGET', KEYS[2], 'load') or '0')
redis.call('HSET', KEYS[2], 'load', math.max(0, load - 1))
refresh_room(ARGV[1])
return 1
