-- KEYS agent; ARGV agentId, expected ver ('' = create or keep load), then field/value pairs.
-- Keeps load (and missedOffers when creating over an existing agent); fixes the member sets and the
-- room index for old and new groups. Returns 1, or 0 when the version changed meanwhile.
-- include: room-fn
local ver = redis.call('HGET', KEYS[1], 'ver')
if ARGV[2] ~= '' and ver ~= ARGV[2] then return 0 end
local old = redis.call('HGET', KEYS[1], 'groups')
if old then
  for g in string.gmatch(old, '[^,]+') do
    redis.call('SREM', '{cg}:members:' .. g, ARGV[1])
  end
end
local keepMissed = ARGV[2] == '' and redis.call('HEXISTS', KEYS[1], 'missedOffers') == 1
for i = 3, #ARGV, 2 do
  if not (keepMissed and ARGV[i] == 'missedOffers') then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if redis.call('HEXISTS', KEYS[1], 'load') == 0 then redis.call('HSET', KEYS[1], 'load', 0) end
redis.call('HSET', KEYS[1], 'ver', (tonumber(ver) or 0) + 1)
redis.call('SADD', '{cg}:agents', ARGV[1])
for g in string.gmatch(redis.call('HGET', KEYS[1], 'groups'), '[^,]+') do
  redis.call('SADD', '{cg}:members:' .. g, ARGV[1])
end
refresh_room(ARGV[1], old)
return 1
