-- KEYS chat. An idle chat's shopper wrote again: the chat counts against its agent again (load + 1, over
-- capacity if need be: the agent keeps their chats). Returns 1, or 0 when the chat was not idle.
-- include: room-fn
local f = redis.call('HMGET', KEYS[1], 'state', 'agentId', 'idle')
if f[1] ~= 'ASSIGNED' or f[3] ~= '1' then return 0 end
redis.call('HDEL', KEYS[1], 'idle')
redis.call('HINCRBY', '{cg}:agent:' .. f[2], 'load', 1)
refresh_room(f[2])
return 1
