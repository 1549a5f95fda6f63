//! The Lua scripts that make each queue transition atomic in Redis. A build's hash holds an
//! `attempt` counter that a worker's start increments: every later write of that worker passes
//! the attempt it started, and Redis refuses the write when another worker has started the
//! build since (a fencing token). That is what gives at-least-once delivery an exactly-once
//! effect: a worker presumed dead that wakes up cannot overwrite the record or re-finish the
//! job another worker took over.

use redis::Script;

/// Submit: KEYS build, queue, events, stats; ARGV job, record, id, maxlen, event, platform.
/// Returns 1, or 0 when the id exists.
pub const SUBMIT: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'job', ARGV[1], 'record', ARGV[2], 'status', 'queued',
  'attempt', 0, 'failures', 0, 'stream', KEYS[2])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[5])
redis.call('HINCRBY', KEYS[4], 'submitted:' .. ARGV[6], 1)
return 1
"#;

/// Start: KEYS build; ARGV worker, stream, entry, reclaimed ('1'/'0').
/// Returns {'missing'}, {'done'}, {'cancel', record}, or {'run', attempt, failures, job, record}.
pub const START: &str = r#"
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'missing'} end
if st == 'success' or st == 'failed' or st == 'cancelled' then return {'done'} end
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'failures', 1) end
if redis.call('HGET', KEYS[1], 'cancel') == '1' then
  return {'cancel', redis.call('HGET', KEYS[1], 'record')}
end
local a = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HSET', KEYS[1], 'status', 'building', 'worker', ARGV[1], 'stream', ARGV[2], 'entry', ARGV[3])
return {'run', tostring(a), redis.call('HGET', KEYS[1], 'failures'),
  redis.call('HGET', KEYS[1], 'job'), redis.call('HGET', KEYS[1], 'record')}
"#;

/// Update while running: KEYS build, events; ARGV attempt, record, status, event, maxlen.
/// Returns 1, or 0 when the attempt is no longer this worker's.
pub const UPDATE: &str = r#"
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[4])
return 1
"#;

/// Finish: KEYS build, events, queue, stats, dead; ARGV attempt, record, status, event, maxlen,
/// group, entry, ttl, platform, dead reason ('' for none), id.
/// Returns 1, or 0 when the attempt is no longer this worker's (nothing written).
pub const FINISH: &str = r#"
if ARGV[1] ~= '*' and redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[4])
if ARGV[7] ~= '' then redis.call('XACK', KEYS[3], ARGV[6], ARGV[7]) end
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('EXPIRE', KEYS[2], ARGV[8])
redis.call('HINCRBY', KEYS[4], 'builds:' .. ARGV[9] .. ':' .. ARGV[3], 1)
if ARGV[10] ~= '' then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', 10000, '*', 'id', ARGV[11], 'reason', ARGV[10])
  redis.call('HINCRBY', KEYS[4], 'dead_lettered', 1)
end
return 1
"#;

/// Requeue (a retry, or a job handed back at shutdown): KEYS build, events, queue; ARGV attempt,
/// record, event, maxlen, group, entry, id, count_failure ('1'/'0').
pub const REQUEUE: &str = r#"
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', 'queued')
if ARGV[8] == '1' then redis.call('HINCRBY', KEYS[1], 'failures', 1) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[3])
redis.call('XACK', KEYS[3], ARGV[5], ARGV[6])
local e = redis.call('XADD', KEYS[3], '*', 'id', ARGV[7])
redis.call('HSET', KEYS[1], 'stream', KEYS[3], 'entry', e)
return 1
"#;

/// Release an entry a worker read but has no room for: KEYS queue; ARGV group, entry, id.
pub const RELEASE: &str = r#"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
return 1
"#;

/// Cancel: KEYS build, events, stats; ARGV record as read, new record, event, maxlen, ttl,
/// platform. Returns 'missing', 'done', 'queued' (cancelled now), 'running' (flagged: the
/// worker stops it), or 'retry' (the record changed since it was read).
pub const CANCEL: &str = r#"
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 'missing' end
if st == 'success' or st == 'failed' or st == 'cancelled' then return 'done' end
redis.call('HSET', KEYS[1], 'cancel', '1')
if st ~= 'queued' then return 'running' end
if redis.call('HGET', KEYS[1], 'record') ~= ARGV[1] then return 'retry' end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', 'cancelled')
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('HINCRBY', KEYS[3], 'builds:' .. ARGV[6] .. ':cancelled', 1)
return 'queued'
"#;

/// The scripts, compiled once (their SHA-1 computed) per farm handle.
#[derive(Debug, Clone)]
pub struct Scripts {
    /// [`SUBMIT`].
    pub submit: Script,
    /// [`START`].
    pub start: Script,
    /// [`UPDATE`].
    pub update: Script,
    /// [`FINISH`].
    pub finish: Script,
    /// [`REQUEUE`].
    pub requeue: Script,
    /// [`RELEASE`].
    pub release: Script,
    /// [`CANCEL`].
    pub cancel: Script,
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts {
            submit: Script::new(SUBMIT),
            start: Script::new(START),
            update: Script::new(UPDATE),
            finish: Script::new(FINISH),
            requeue: Script::new(REQUEUE),
            release: Script::new(RELEASE),
            cancel: Script::new(CANCEL),
        }
    }
}
