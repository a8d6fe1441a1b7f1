-- KEYS the ETA errors of one group and tier (newest first); ARGV error seconds, how many to keep.
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return 1
