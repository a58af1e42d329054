-- The comparison filter for benches/benches/envoy.rs: the redactions a team
-- would write by hand in Envoy's Lua filter — emails, card numbers, SSNs,
-- bearer tokens and password/token/secret values — over a buffered request
-- body, line by line as NDJSON arrives.
local patterns = {
  {"[%w%.%%%+%-_]+@[%w%-]+%.[%w%.%-]+", "[EMAIL_ADDRESS]"},
  {"%d%d%d%d[ %-]?%d%d%d%d[ %-]?%d%d%d%d[ %-]?%d%d%d%d", "[CREDIT_CARD]"},
  {"%d%d%d%-%d%d%-%d%d%d%d", "[US_SSN]"},
  {"[Bb]earer%s+[%w%-%._~%+/]+=*", "Bearer [BEARER_TOKEN]"},
  {'("[%w_]*password[%w_]*"%s*:%s*")[^"]*(")', "%1[REDACTED]%2"},
  {'("[%w_]*token[%w_]*"%s*:%s*")[^"]*(")', "%1[REDACTED]%2"},
  {'("[%w_]*secret[%w_]*"%s*:%s*")[^"]*(")', "%1[REDACTED]%2"},
}

function envoy_on_request(handle)
  -- The body changes size: let Envoy frame it anew, as logsift does.
  handle:headers():remove("content-length")
  local body = handle:body()
  if body == nil then
    return
  end
  local text = body:getBytes(0, body:length())
  for _, p in ipairs(patterns) do
    text = text:gsub(p[1], p[2])
  end
  body:setBytes(text)
end
