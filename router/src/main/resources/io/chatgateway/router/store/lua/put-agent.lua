-- KEYS agent; ARGV agentId, expected ver ('' = create or keep load), then field/value pairs.
-- Keeps load (and missedOffers when creating over an existing agent); fixes the room and member
-- sets for old and new groups. Returns 1, or 0 when the version changed meanwhile.
local ver = redis.call('HGET', KEYS[1], 'ver')
if ARGV[2] ~= '' and ver ~= ARGV[2] then return 0 end
local old = redis.call('HGET', KEYS[1], 'groups')
if old then
  for g in string.gmatch(old, '[^,]+') do
    redis.call('SREM', '{cg}:room:' .. g, ARGV[1]); redis.call('SREM', '{cg}:members:' .. g, ARGV[1])
  end
end
local keepMissed = ARGV[2] == '' and redis.call('HEXISTS', KEYS[1], 'missedOffers') == 1
for i = 3, #ARGV, 2 do
  if not (keepMissed and ARGV[i] == 'missedOffers') then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if redis.call('HEXISTS', KEYS[1], 'load') == 0 then redis.call('HSET', KEYS[1], 'load', 0) end
redis.call('HSET', KEYS[1], 'ver', (tonumber(ver) or 0) + 1)
redis.call('SADD', '{cg}:agents', ARGV[1])
local st = redis.call('HMGET', KEYS[1], 'status', 'connected', 'load', 'capacity', 'groups')
for g in string.gmatch(st[5], '[^,]+') do
  redis.call('SADD', '{cg}:members:' .. g, ARGV[1])
  if st[1] == 'ONLINE' and st[2] == '1' and tonumber(st[3]) < tonumber(st[4]) then
    redis.call('SADD', '{cg}:room:' .. g, ARGV[1])
  end
end
return 1
