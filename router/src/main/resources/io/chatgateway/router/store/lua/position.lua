-- KEYS chat; ARGV chatId, tier names. Chats ranked strictly higher in the other tiers, plus the place in its own.
local st = redis.call('HMGET', KEYS[1], 'state', 'group', 'tier')
if st[1] ~= 'WAITING' then return 0 end
local own = '{cg}:q:' .. st[2] .. ':' .. st[3]
local score = redis.call('ZSCORE', own, ARGV[1])
if not score then return 0 end
local ahead = redis.call('ZRANK', own, ARGV[1])
for i = 2, #ARGV do
  if ARGV[i] ~= st[3] then
    ahead = ahead + redis.call('ZCOUNT', '{cg}:q:' .. st[2] .. ':' .. ARGV[i], '-inf', '(' .. score)
  end
end
return ahead + 1
