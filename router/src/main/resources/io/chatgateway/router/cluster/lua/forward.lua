-- KEYS presence; ARGV payload.
local n = redis.call('GET', KEYS[1])
if n then redis.call('PUBLISH', 'cg:node:' .. n, ARGV[1]) return 1 end
return 0
