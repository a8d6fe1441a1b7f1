-- KEYS node key; ARGV node, ttl. Returns {revived flag, lost participants...}. A dead node is
-- removed from nodes in the same script that hands out its participants, so only one
-- caller ever gets them.
local revived = '0'
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('SISMEMBER', '{cg}:nodes', ARGV[1]) == 0
    and redis.call('EXISTS', '{cg}:held:' .. ARGV[1]) == 0 then revived = '1' end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', '{cg}:nodes', ARGV[1])
local out = {revived}
for _, n in ipairs(redis.call('SMEMBERS', '{cg}:nodes')) do
  if n ~= ARGV[1] and redis.call('EXISTS', '{cg}:node:' .. n) == 0 then
    redis.call('SREM', '{cg}:nodes', n)
    for _, p in ipairs(redis.call('SMEMBERS', '{cg}:held:' .. n)) do
      local key = '{cg}:presence:' .. p
      if redis.call('GET', key) == n then
        redis.call('DEL', key)
        table.insert(out, p)
      end
    end
    redis.call('DEL', '{cg}:held:' .. n)
  end
end
return out
