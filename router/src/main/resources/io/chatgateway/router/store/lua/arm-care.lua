-- The care deadline of a chat about to be armed, made consistent with its care state in one step of the chat's
-- own keys: a shopper already waiting for the agent needs the deadline no later than aw + nudge. Records it as
-- 'ad' (the deadline armed), which say.lua reads to arm only when the shopper needs an earlier one.
-- KEYS[1] care hash; ARGV[1] deadline asked for, ARGV[2] nudge after ms, ARGV[3] NONE. Returns the deadline to arm.
local due = tonumber(ARGV[1])
local aw = redis.call('HGET', KEYS[1], 'aw')
if aw and aw ~= ARGV[3] then due = math.min(due, tonumber(aw) + tonumber(ARGV[2])) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'ad', string.format('%d', due)) end
return due
