-- KEYS members set; ARGV the agent levels in order; returns {slots, free, online} for all agents,
-- then the same for each level of ARGV.
local sums = {0, 0, 0}
local at = {}
for i, level in ipairs(ARGV) do
  at[level] = 3 * i
  sums[3 * i + 1], sums[3 * i + 2], sums[3 * i + 3] = 0, 0, 0
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local st = redis.call('HMGET', '{cg}:agent:' .. id, 'status', 'connected', 'load', 'capacity', 'level')
  if st[1] == 'ONLINE' and st[2] == '1' then
    local cap, free = tonumber(st[4]), math.max(0, tonumber(st[4]) - tonumber(st[3]))
    for _, base in ipairs({0, at[st[5]]}) do
      if base then
        sums[base + 1] = sums[base + 1] + cap
        sums[base + 2] = sums[base + 2] + free
        sums[base + 3] = sums[base + 3] + 1
      end
    end
  end
end
return sums
