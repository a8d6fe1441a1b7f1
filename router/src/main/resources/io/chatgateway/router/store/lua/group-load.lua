-- KEYS members set; returns {slots, free, online}.
local slots, free, online = 0, 0, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local st = redis.call('HMGET', '{cg}:agent:' .. id, 'status', 'connected', 'load', 'capacity')
  if st[1] == 'ONLINE' and st[2] == '1' then
    online = online + 1
    slots = slots + tonumber(st[4])
    free = free + math.max(0, tonumber(st[4]) - tonumber(st[3]))
  end
end
return {slots, free, online}
