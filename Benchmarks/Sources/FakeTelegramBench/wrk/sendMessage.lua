-- wrk script: POST sendMessage as JSON to the fake (chat 1 exists in `FakeTelegramBench serve`).
-- wrk -t2 -c64 -d10s -s sendMessage.lua "$BASE_URL/bot$TOKEN/sendMessage"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"chat_id":1,"text":"Checked in at Site A (42 m)","reply_markup":{"inline_keyboard":[[{"text":"Undo","callback_data":"undo"}]]}}'

local failures = 0
response = function(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("non-200 answers: %d (of %d)\n", summary.errors.status, summary.requests))
end
