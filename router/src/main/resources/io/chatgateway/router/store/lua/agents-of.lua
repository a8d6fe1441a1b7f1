-- Every agent's record, in one step and compactly (ops figures, the agents' queue frames): one row per agent,
-- as the room index keeps them (see room-fn). KEYS[1] {cg}:agents; the agents' hashes share its slot.
-- ARGV: the agents to read (a node's own); none: every agent in KEYS[1].
-- include: room-fn
local out = {}
local ids = ARGV
if #ids == 0 then ids = redis.call('SMEMBERS', KEYS[1]) end
for _, id in ipairs(ids) do
  local row = agent_row(id)
  if row then out[#out + 1] = row end
end
return out
