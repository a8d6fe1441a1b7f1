-- KEYS presence.
local n = redis.call('GET', KEYS[1])
if n and redis.call('EXISTS', '{cg}:node:' .. n) == 1 then return 1 end
return 0
