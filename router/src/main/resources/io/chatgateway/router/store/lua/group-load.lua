-- KEYS[1] the group's members set (for its slot); ARGV[1] n, ARGV[2..n+1] the agent levels in order, then the agent
-- ids to count (at most a hundred a call: RedisReads.inParts, so the script never stalls Redis for long).
-- Returns {slots, free, online} for those agents, then the same for each level.
local n = tonumber(ARGV[1])
local sums = {0, 0, 0}
local at = {}
for i = 1, n do
  at[ARGV[i + 1]] = 3 * i
  sums[3 * i + 1], sums[3 * i + 2], sums[3 * i + 3] = 0, 0, 0
end
for a = n + 2, #ARGV do
  local st = redis.call('HMGET', '{cg}:agent:' .. ARGV[a], 'status', 'connected', 'load', 'capacity', 'level')
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
