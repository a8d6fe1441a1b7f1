-- Every agent's record, in one step and compactly (ops figures, the agents' queue frames): one row per agent,
-- as the room index keeps them (see room-fn). KEYS[1] {cg}:agents; the agents' hashes share its slot.
-- include: room-fn
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local row = agent_row(id)
  if row then out[#out + 1] = row end
end
return out
