-- KEYS presence; ARGV participant, node, ttl.
local prev = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', '{cg}:held:' .. ARGV[2], ARGV[1])
if prev and prev ~= ARGV[2] then
  redis.call('SREM', '{cg}:held:' .. prev, ARGV[1])
  redis.call('PUBLISH', 'cg:node:' .. prev, 'M' .. ARGV[1])
end
return 1
