-- The append shared by append.lua and say.lua (included): numbers the event (no gap), stores its JSON scored by seq,
-- trims the log to its bound, and remembers the client key (the last few, scored by seq). KEYS as append.lua.
local function store_event(before, after, bound, clientKey, keep)
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('ZADD', KEYS[2], seq, before .. seq .. after)
  if seq > tonumber(bound) then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', seq - tonumber(bound)) end
  if clientKey ~= '' then
    redis.call('ZADD', KEYS[3], seq, clientKey)
    if redis.call('ZCARD', KEYS[3]) > tonumber(keep) then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, 0) end
  end
  return seq
end
