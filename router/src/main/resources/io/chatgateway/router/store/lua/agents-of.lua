-- The agent records of every member of a set, in one step and compactly: a routing decision reads every agent
-- with room in one command (not one HGETALL per agent), and each agent comes back as ONE string (fields joined
-- by the unit separator, free-text name last), so the client decodes one value per agent, not two dozen.
-- KEYS[1] a set of agent ids under {cg} ({cg}:agents, or {cg}:room:<group>); the agents' hashes share its slot.
-- Returns one string per member whose record exists; the field order is RedisRecords.AGENT_ROW.
local fields = {'agentId', 'level', 'groups', 'skills', 'supervisor', 'status', 'connected', 'autoAccept', 'capacity',
  'load', 'missedOffers', 'name'}
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('HMGET', '{cg}:agent:' .. id, unpack(fields))
  if v[1] then
    for i = 1, #fields do
      if not v[i] then v[i] = '' end
    end
    out[#out + 1] = table.concat(v, '\31')
  end
end
return out
