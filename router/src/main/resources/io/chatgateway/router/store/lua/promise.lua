-- KEYS chat; ARGV eta seconds. Notes the first promised wait of a chat that still exists (a closed
-- chat's hash may be gone: never create a bare one).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], 'eta', ARGV[1])
