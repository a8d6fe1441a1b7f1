-- A node's copy of a group's room index, brought up to date (see room-fn). KEYS roomrow:<group>, roomlog:<group>;
-- ARGV since: the sequence the copy is complete up to, 0 for none. Returns the sequence this answer is complete up
-- to, then triples: agent id, the sequence of its row's last change, its row now ('' when not in the index). With
-- since 0 the triples are every row of the index; otherwise only the agents whose row changed after since.
local seq = redis.call('GET', '{cg}:roomseq') or '0'
local out = {seq}
if ARGV[1] == '0' then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    out[#out + 1] = all[i]; out[#out + 1] = seq; out[#out + 1] = all[i + 1]
  end
  return out
end
local changed = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES')
for i = 1, #changed, 2 do
  out[#out + 1] = changed[i]; out[#out + 1] = changed[i + 1]; out[#out + 1] = redis.call('HGET', KEYS[1], changed[i]) or ''
end
return out
