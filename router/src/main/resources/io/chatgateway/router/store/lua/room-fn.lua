-- The room index (included by the scripts that change an agent's status, groups or load): for each group of an
-- agent, {cg}:roomrow:<group> (a hash: agent id -> one compact row) holds the agent while they are online,
-- connected and under capacity. A routing decision reads its group's rows in one HVALS, and each row is one
-- value (fields joined by the unit separator, the free-text name last; the order is RedisRecords.AGENT_ROW),
-- so a decision costs one small read per candidate, not a command or two dozen values per agent.
local ROW_FIELDS = {'agentId', 'level', 'groups', 'skills', 'supervisor', 'status', 'connected', 'autoAccept',
  'capacity', 'load', 'missedOffers', 'weight', 'lastTaken', 'statusReason', 'name'}
local function agent_row(agentId)
  local v = redis.call('HMGET', '{cg}:agent:' .. agentId, unpack(ROW_FIELDS))
  if not v[1] then return nil, v end
  for i = 1, #ROW_FIELDS do
    if not v[i] then v[i] = '' end
  end
  return table.concat(v, '\31'), v
end
-- Puts the agent's row in (or takes it out of) the room index of each of its groups; oldGroups (a comma list,
-- may be nil) are groups it may have left: taken out first.
local function refresh_room(agentId, oldGroups)
  if oldGroups then
    for g in string.gmatch(oldGroups, '[^,]+') do redis.call('HDEL', '{cg}:roomrow:' .. g, agentId) end
  end
  local row, v = agent_row(agentId)
  if not row then return end
  local room = v[6] == 'ONLINE' and v[7] == '1' and (tonumber(v[10]) or 0) < (tonumber(v[9]) or 0)
  for g in string.gmatch(v[3], '[^,]+') do
    if room then
      redis.call('HSET', '{cg}:roomrow:' .. g, agentId, row)
    else
      redis.call('HDEL', '{cg}:roomrow:' .. g, agentId)
    end
  end
end
