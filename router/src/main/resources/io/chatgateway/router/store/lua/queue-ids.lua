-- The first ARGV[1] ids of each queue in KEYS (a group's tier queues), in one round trip instead of one per tier.
-- Returns, per queue in KEYS order, how many pairs follow, then that many id, score pairs (score: -rank).
local out = {}
for _, k in ipairs(KEYS) do
  local r = redis.call('ZRANGE', k, 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
  out[#out + 1] = tostring(#r / 2)
  for j = 1, #r do out[#out + 1] = r[j] end
end
return out
