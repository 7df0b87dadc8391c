-- wrk script: POST a valid vote body, a different voter per request, to wrk's URL (loopback only).
local counter = 0
local candidates = {"monthly", "biweekly"}
local types = {"for", "against"}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local body = string.format('{"user_id":"bench-%d-%d","candidate_id":"%s","vote_type":"%s"}',
    math.random(1, 1000000000), counter, candidates[counter % 2 + 1], types[math.floor(counter / 2) % 2 + 1])
  return wrk.format(nil, nil, nil, body)
end
