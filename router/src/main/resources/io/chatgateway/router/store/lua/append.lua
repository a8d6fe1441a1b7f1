-- A chat event appended to its chat's log; every key is the chat's own (hash tag {<chatId>}), so on
-- a Redis Cluster the logs of different chats live on different masters.
-- KEYS[1] meta hash (seq, route), KEYS[2] log (sorted set of JSON scored by seq), KEYS[3] recent client keys
-- (sorted set scored by seq), KEYS[4] care hash.
-- ARGV[1] JSON up to the seq value, ARGV[2] JSON after it, ARGV[3] log bound, ARGV[4] client key ('' none),
-- ARGV[5] client keys kept, ARGV[6] route change ('' none, 'W', 'A:<agent>', 'C'), ARGV[7] retention ms after a close.
-- Returns {seq, route after it} ({0, ''} for a resend: the client key was seen), so the caller sends the event to
-- the agent the chat is assigned to by then, whoever assigned it meanwhile.
-- include: log-fn
if ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[4]) then return {0, ''} end
local seq = store_event(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'route', ARGV[6]) end
if ARGV[6] == 'C' then
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[7]) end
end
return {seq, redis.call('HGET', KEYS[1], 'route') or ''}
