-- A chat message (the hot path): route check, resend check, numbering, storing and the care update in
-- one step of the chat's own keys (hash tag {<chatId>}). Keys as append.lua.
-- ARGV[1] JSON up to the seq value, ARGV[2] JSON after it, ARGV[3] log bound, ARGV[4] client key ('' none),
-- ARGV[5] client keys kept, ARGV[6] writing agent ('' = the shopper), ARGV[7] now, ARGV[8] NONE.
-- ARGV[9] nudge after ms.
-- Returns {0 said, seq, assigned agent ('' none), care before: v, la, aw, nu, pr, hr, arm, id} or {1 resent}, {2 closed},
-- {3 not assigned to that agent}, {4 unknown chat}. arm: the care deadline to arm now (0: the one armed, 'ad', comes
-- sooner), when a shopper starts waiting for the agent.
-- include: log-fn
local route = redis.call('HGET', KEYS[1], 'route')
if not route then return {4} end
if route == 'C' then return {2} end
local agent = ''
if string.sub(route, 1, 2) == 'A:' then agent = string.sub(route, 3) end
if ARGV[6] ~= '' and ARGV[6] ~= agent then return {3} end
if ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[4]) then return {1} end
local seq = store_event(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
local before = redis.call('HMGET', KEYS[4], 'v', 'la', 'aw', 'nu', 'pr', 'hr', 'id')
if not before[1] then return {0, seq, agent} end
redis.call('HINCRBY', KEYS[4], 'v', 1)
local arm = 0
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[4], 'la', ARGV[7], 'aw', ARGV[8], 'nu', '0', 'pr', ARGV[8], 'hr', '1')
elseif before[3] == ARGV[8] then
  redis.call('HSET', KEYS[4], 'aw', ARGV[7], 'nu', '0', 'pr', ARGV[8], 'id', '0') -- the shopper wrote: not idle (the router wakes the slot)
  local due = tonumber(ARGV[7]) + tonumber(ARGV[9])
  local ad = redis.call('HGET', KEYS[4], 'ad')
  if (not ad) or tonumber(ad) > due then
    redis.call('HSET', KEYS[4], 'ad', string.format('%d', due))
    arm = due
  end
else
  redis.call('HSET', KEYS[4], 'pr', ARGV[8], 'id', '0')
end
return {0, seq, agent, before[1], before[2], before[3], before[4], before[5], before[6], arm, before[7] or '0'}
