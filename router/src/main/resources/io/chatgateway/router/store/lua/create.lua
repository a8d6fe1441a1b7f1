-- KEYS chat; ARGV chatId, customerId, then field/value pairs.
-- include: release-fn
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SET', '{cg}:open:' .. ARGV[2], ARGV[1])
enqueue(KEYS[1], ARGV[1])
return 1
