/**
 * The Lua scripts behind the Redis store. Each job transition is one script, so it is atomic: the
 * status change, the event-log entry (whose id is derived from the next seq: `${seq}-1`), the
 * per-owner active count and the counts by state move together, and a second writer (a cancel racing
 * a completion, a dead attempt racing its retry) finds the job already moved and changes nothing.
 *
 * Job hash fields: rec (JSON of the fixed fields), owner, status, startedAt, finishedAt, t, fraction,
 * error (JSON), stats (JSON), seq (last seq written), token (the running attempt), order (list score).
 */

/** Appends one message to the job's stream with the next seq; `job` and `events` are locals. */
const APPEND = `
local function append(job, events, body)
  local seq = redis.call('HINCRBY', job, 'seq', 1)
  redis.call('XADD', events, seq .. '-1', 'm', '{"seq":' .. seq .. ',' .. body)
  return seq
end
`;

export const SCRIPTS = {
  /** KEYS job owner-set active order counts; ARGV rec owner id → order, or 0 when the id exists. */
  volleySubmit: {
    numberOfKeys: 5,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local order = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'owner', ARGV[2], 'status', 'queued', 't', '0', 'fraction', '0', 'seq', '0', 'order', order)
redis.call('ZADD', KEYS[2], order, ARGV[3])
redis.call('INCR', KEYS[3])
redis.call('HINCRBY', KEYS[5], 'queued', 1)
return order
`,
  },

  /** KEYS job events counts; ARGV token now lostBody runningBody channel id → 'started' | 'skip'. */
  volleyStart: {
    numberOfKeys: 3,
    lua: `${APPEND}
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'running' then return 'skip' end
if status == 'running' then
  append(KEYS[1], KEYS[2], ARGV[3])
  redis.call('HINCRBY', KEYS[3], 'running', -1)
  redis.call('HINCRBY', KEYS[3], 'queued', 1)
end
redis.call('HSET', KEYS[1], 'status', 'running', 'token', ARGV[1], 'startedAt', ARGV[2], 't', '0', 'fraction', '0')
append(KEYS[1], KEYS[2], ARGV[4])
redis.call('HINCRBY', KEYS[3], 'queued', -1)
redis.call('HINCRBY', KEYS[3], 'running', 1)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 'started'
`,
  },

  /**
   * KEYS job events; ARGV token maxEntries t fraction channel id body... → last seq, -1 when the log
   * would exceed maxEntries - 1 (one entry stays for the final message), -2 when the attempt no longer
   * owns the job.
   */
  volleyAppend: {
    numberOfKeys: 2,
    lua: `
local st = redis.call('HMGET', KEYS[1], 'status', 'token', 'seq')
if st[1] ~= 'running' or st[2] ~= ARGV[1] then return -2 end
local seq = tonumber(st[3])
if seq + #ARGV - 6 > tonumber(ARGV[2]) - 1 then return -1 end
for k = 7, #ARGV do
  seq = seq + 1
  redis.call('XADD', KEYS[2], seq .. '-1', 'm', '{"seq":' .. seq .. ',' .. ARGV[k])
end
redis.call('HSET', KEYS[1], 'seq', seq)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 't', ARGV[3], 'fraction', ARGV[4]) end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return seq
`,
  },

  /**
   * KEYS job events results active counts; ARGV token('' = any) status now error stats body ttl channel
   * id packed('' = none) → 1, or 0 when already finished / owned by another attempt.
   */
  volleyFinish: {
    numberOfKeys: 5,
    lua: `${APPEND}
local st = redis.call('HMGET', KEYS[1], 'status', 'token')
local status = st[1]
if status ~= 'queued' and status ~= 'running' then return 0 end
if ARGV[1] ~= '' and st[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'finishedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'token')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'stats', ARGV[5]) end
append(KEYS[1], KEYS[2], ARGV[6])
local ttl = tonumber(ARGV[7])
if ARGV[10] ~= '' then redis.call('SET', KEYS[3], ARGV[10], 'EX', ttl) end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
if redis.call('DECR', KEYS[4]) <= 0 then redis.call('DEL', KEYS[4]) end
redis.call('HINCRBY', KEYS[5], status, -1)
redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
redis.call('PUBLISH', ARGV[8], ARGV[9])
return 1
`,
  },

  /** KEYS job events counts; ARGV token body channel id → 1, or 0 when the attempt no longer owns the job. */
  volleyRequeue: {
    numberOfKeys: 3,
    lua: `${APPEND}
local st = redis.call('HMGET', KEYS[1], 'status', 'token')
if st[1] ~= 'running' or st[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'queued', 't', '0', 'fraction', '0')
redis.call('HDEL', KEYS[1], 'token')
append(KEYS[1], KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'running', -1)
redis.call('HINCRBY', KEYS[3], 'queued', 1)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`,
  },

  /** KEYS job events results owner-set; ARGV id → 1 removed, 0 gone already, -1 not finished. */
  volleyRemove: {
    numberOfKeys: 4,
    lua: `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' or status == 'running' then return -1 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
if status then return 1 end
return 0
`,
  },
} as const;

type Arg = string | number | Buffer;

/** The scripts as ioredis commands (`defineCommand` adds them at runtime). */
export interface ScriptCommands {
  volleySubmit(...args: Arg[]): Promise<number>;
  volleyStart(...args: Arg[]): Promise<'started' | 'skip'>;
  volleyAppend(...args: Arg[]): Promise<number>;
  volleyFinish(...args: Arg[]): Promise<number>;
  volleyRequeue(...args: Arg[]): Promise<number>;
  volleyRemove(...args: Arg[]): Promise<number>;
}
