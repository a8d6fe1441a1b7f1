-- KEYS presence; ARGV participant, node.
redis.call('SREM', '{cg}:held:' .. ARGV[2], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[2] then redis.call('DEL', KEYS[1]) return 1 end
return 0
