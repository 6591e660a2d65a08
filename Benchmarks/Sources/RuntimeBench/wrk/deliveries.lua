-- wrk script: webhook deliveries to a running bot, as Telegram POSTs them: a JSON update with a
-- unique update_id (each wrk thread takes every THREADS-th id) and the secret-token header; each
-- is a /checkin from one of the 2,000 users whose chats `RuntimeBench serve` introduced.
--   WEBHOOK_SECRET=… wrk -t2 -c64 -d10s -s deliveries.lua "$WEBHOOK_URL"
local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = os.getenv("WEBHOOK_SECRET")
end

request = function()
  counter = counter + 1
  local id = 5000000 + counter * 16 + tid
  local user = 1000 + id % 2000
  local body = string.format(
    '{"update_id":%d,"message":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private","first_name":"User"},' ..
    '"from":{"id":%d,"is_bot":false,"first_name":"User"},"text":"/checkin","entities":[{"type":"bot_command","offset":0,"length":8}]}}',
    id, id, os.time(), user, user)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx answers: %d (of %d)\n", summary.errors.status, summary.requests))
end
