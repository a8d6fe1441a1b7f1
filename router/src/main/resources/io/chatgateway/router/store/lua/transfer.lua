-- KEYS chat, to-agent; ARGV chatId, from, to, take-over ('1': a supervisor, any status), allowance (slots above capacity).
-- include: release-fn
if redis.call('HGET', KEYS[1], 'state') ~= 'ASSIGNED' or redis.call('HGET', KEYS[1], 'agentId') ~= ARGV[2] or ARGV[2] == ARGV[3] then return 0 end
local st = redis.call('HMGET', KEYS[2], 'status', 'connected', 'load', 'capacity', 'groups')
if not st[1] or st[2] ~= '1' then return 0 end
local load = tonumber(st[3]); local cap = tonumber(st[4])
if load >= cap + tonumber(ARGV[5]) then return 0 end
if ARGV[4] ~= '1' and st[1] ~= 'ONLINE' and st[1] ~= 'TRANSFERS_ONLY' then return 0 end
release_chat(KEYS[1], ARGV[2]) -- with its new agent the chat counts again, idle or not before
redis.call('SREM', '{cg}:agentchats:' .. ARGV[2], ARGV[1])
load = load + 1
redis.call('HSET', KEYS[2], 'load', load)
refresh_room(ARGV[3])
redis.call('SADD', '{cg}:agentchats:' .. ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'agentId', ARGV[3])
return 1
