-- The records of the agents in ARGV, compactly: one row per agent that exists, as the room index keeps them (see
-- room-fn). KEYS[1] {cg}:agents, for the slot the agents' hashes share. Callers send at most a hundred ids a call
-- (RedisReads.agentRows), so the script never stalls Redis for long.
-- include: room-fn
local out = {}
for _, id in ipairs(ARGV) do
  local row = agent_row(id)
  if row then out[#out + 1] = row end
end
return out
