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
-- Each change of a group's index is logged in {cg}:roomlog:<group>, a sorted set of agent ids scored by the
-- store-wide sequence {cg}:roomseq of their row's last change, so a node keeping a copy of the index reads only
-- the rows changed since it last looked (room-since.lua); one entry per agent, so it never grows past the group.
local function room_changed(group, agentId)
  redis.call('ZADD', '{cg}:roomlog:' .. group, redis.call('INCR', '{cg}:roomseq'), agentId)
end
-- Puts the agent's row in (or takes it out of) the room index of each of its groups; oldGroups (a comma list,
-- may be nil) are groups it may have left: taken out first.
local function refresh_room(agentId, oldGroups)
  if oldGroups then
    for g in string.gmatch(oldGroups, '[^,]+') do
      if redis.call('HDEL', '{cg}:roomrow:' .. g, agentId) == 1 then room_changed(g, agentId) end
    end
  end
  local row, v = agent_row(agentId)
  if not row then return end
  local room = v[6] == 'ONLINE' and v[7] == '1' and (tonumber(v[10]) or 0) < (tonumber(v[9]) or 0)
  for g in string.gmatch(v[3], '[^,]+') do
    if room then
      redis.call('HSET', '{cg}:roomrow:' .. g, agentId, row)
      room_changed(g, agentId)
    elseif redis.call('HDEL', '{cg}:roomrow:' .. g, agentId) == 1 then
      room_changed(g, agentId)
    end
  end
end
