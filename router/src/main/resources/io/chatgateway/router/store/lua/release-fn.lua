-- Shared functions of the routing scripts (included by those that say "-- include: release-fn").
-- include: room-fn
local function release(agentId)
  local key = '{cg}:agent:' .. agentId
  local st = redis.call('HMGET', key, 'status', 'connected', 'load', 'capacity', 'groups')
  if not st[3] then return end
  local load = math.max(0, tonumber(st[3]) - 1)
  redis.call('HSET', key, 'load', load)
  refresh_room(agentId)
end
-- An assigned chat leaves its agent: load - 1, unless the chat was idle (its slot was freed then).
local function release_chat(chatKey, agentId)
  if redis.call('HGET', chatKey, 'idle') == '1' then
    redis.call('HDEL', chatKey, 'idle')
    return
  end
  release(agentId)
end
local function enqueue(chatKey, chatId)
  local f = redis.call('HMGET', chatKey, 'group', 'tier', 'rank')
  redis.call('ZADD', '{cg}:q:' .. f[1] .. ':' .. f[2], -tonumber(f[3]), chatId)
  redis.call('SADD', '{cg}:groups', f[1])
end
