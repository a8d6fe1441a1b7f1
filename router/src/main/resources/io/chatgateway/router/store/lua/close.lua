-- KEYS chat; ARGV chatId, reason, retention ms. (The chat's log expires with its closed event: append.lua.)
-- Returns {} when nothing was closed, else the state the chat was in, then its hash as closed (field, value, ...).
-- include: release-fn
local f = redis.call('HMGET', KEYS[1], 'state', 'group', 'tier', 'agentId', 'customerId')
if not f[1] or f[1] == 'CLOSED' then return {} end
if f[1] == 'WAITING' then
  redis.call('ZREM', '{cg}:q:' .. f[2] .. ':' .. f[3], ARGV[1])
else
  release_chat(KEYS[1], f[4])
  redis.call('SREM', '{cg}:agentchats:' .. f[4], ARGV[1])
end
redis.call('HSET', KEYS[1], 'state', 'CLOSED', 'closeReason', ARGV[2])
if redis.call('GET', '{cg}:open:' .. f[5]) == ARGV[1] then redis.call('DEL', '{cg}:open:' .. f[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local out = {f[1]}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = v end
return out
