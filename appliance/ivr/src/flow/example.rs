//! The worked example flow, kept in one place so tests and `config/REFERENCE.md` agree.

/// See [`super::EXAMPLE`].
pub const EXAMPLE: &str = r##"# A bilingual hotline (the demo's 95598).
name = "hotline"
entry = "hours"
language = "zh"

# Outside opening hours the caller hears when to call again.
[nodes.hours]
type = "time"
schedule = "hotline-hours"
open = "welcome"
closed = "closed"

[nodes.closed]
type = "play"
text = "Our hotline is open from eight in the morning to eight in the evening."
language = "en"
next = "bye"

# "1 中文 / 2 English": sets the prompt language for the rest of the call.
[nodes.welcome]
type = "language"
prompt = "welcome-bilingual"
choices = { "1" = "zh", "2" = "en" }
timeout_s = 5
next = "main"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "1" = "billing", "2" = "outage", "9" = "operator", "0" = "agent" }
timeout_s = 5
invalid_prompt = "invalid-entry"
timeout_prompt = "no-entry"
max_retries = 3
on_failure = "agent"

# Billing: the account number, then its balance from the billing system.
[nodes.billing]
type = "collect"
prompt = "enter-account"
min = 6
max = 10
terminator = "#"
timeout_s = 10
into = "account"
next = "balance"
on_failure = "agent"

[nodes.balance]
type = "lookup"
url = "http://127.0.0.1:8090/balance?account=${account}&caller=${caller}"
timeout_ms = 2000
fields = { balance = "account.balance" }
next = "balance-intro"
on_failure = "lookup-failed"

[nodes.balance-intro]
type = "play"
prompt = "your-balance-is"
barge_in = true
next = "say-balance"

[nodes.say-balance]
type = "say"
what = "money"
value = "${balance}"
next = "main"

[nodes.lookup-failed]
type = "play"
prompt = "lookup-failed"
next = "agent"

[nodes.outage]
type = "play"
prompt = "outage-info"
barge_in = true
next = "main"

[nodes.operator]
type = "transfer"
to = "200"

# The topic goes with the call to the agent (screen pop, statistics).
[nodes.agent]
type = "set"
variable = "topic"
value = "general"
next = "queue"

[nodes.queue]
type = "queue"
queue = "agents"
priority = 5
extensions = ["201", "202"]

[nodes.bye]
type = "hangup"
cause = 16
"##;
