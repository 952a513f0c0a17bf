//! What a caller waiting in an ACD queue hears besides music (the position and wait
//! announcements, the goodbye when the queue turns them away) and what an agent hears
//! after a feature code on their phone. Built in as texts in English and Mandarin,
//! synthesized when the box has queues; a configuration prompt of the same name (a
//! recording, or a `prompts.toml` text) takes their place.

/// "You are number" … (the position, said as a number).
pub const POSITION: &str = "queue-position";
/// … "in the queue."
pub const POSITION_END: &str = "queue-position-end";
/// "Your expected wait is about" … (minutes, said as a number).
pub const WAIT: &str = "queue-wait";
/// … "minutes."
pub const WAIT_END: &str = "queue-wait-end";
/// The queue turned the caller away (no agents).
pub const CLOSED: &str = "queue-closed";

/// The queue offers a callback (max wait passed, `overflow = "callback"`).
pub const CALLBACK_OFFER: &str = "queue-callback-offer";
/// The caller took it: … (their number, said digit by digit).
pub const CALLBACK_OK: &str = "queue-callback-ok";
/// The caller chose another number: key it, then `#`.
pub const CALLBACK_NUMBER: &str = "queue-callback-number";
/// What the agent hears before the box dials the customer back: … (the number).
pub const CALLBACK_AGENT: &str = "agent-callback";

/// The post-call survey, when the agent hung up (queues with `survey = true`).
pub const SURVEY: &str = "queue-survey";
pub const SURVEY_THANKS: &str = "queue-survey-thanks";

/// Feature code outcomes, heard on the agent's phone.
pub const LOGGED_IN: &str = "agent-logged-in";
pub const LOGGED_OUT: &str = "agent-logged-out";
pub const READY: &str = "agent-ready";
pub const NOT_READY: &str = "agent-not-ready";
/// Wrong PIN, unknown code, or a change the ACD refused.
pub const REFUSED: &str = "agent-refused";

/// Each built-in prompt: name, English text, Mandarin text.
pub const ACD_PROMPTS: [(&str, &str, &str); 16] = [
    (POSITION, "You are number", "您现在排在第"),
    (POSITION_END, "in the queue.", "位。"),
    (WAIT, "Your expected wait is about", "预计等待时间约为"),
    (WAIT_END, "minutes.", "分钟。"),
    (
        CLOSED,
        "Sorry, no one can take your call now. Please call again later.",
        "抱歉，现在没有座席可以接听您的电话，请稍后再拨。",
    ),
    (
        CALLBACK_OFFER,
        "To keep your place and be called back instead of waiting, press 1. To be called back at another number, press 2.",
        "如需保留排队位置并等待回电，请按1；如需回电至其他号码，请按2。",
    ),
    (
        CALLBACK_OK,
        "Thank you. You keep your place, and we will call you back at",
        "谢谢。您的排队位置已保留，我们将回电至",
    ),
    (
        CALLBACK_NUMBER,
        "Please key the number to call you back at, then press the hash key.",
        "请输入回电号码，以井号键结束。",
    ),
    (CALLBACK_AGENT, "Callback to", "回电给"),
    (
        SURVEY,
        "Before you go: how did we do? Press 1 for poor, up to 5 for excellent.",
        "请对本次服务进行评价：非常不满意请按1，非常满意请按5。",
    ),
    (SURVEY_THANKS, "Thank you. Goodbye.", "谢谢您的评价，再见。"),
    (LOGGED_IN, "You are logged in.", "您已签入。"),
    (LOGGED_OUT, "You are logged out.", "您已签出。"),
    (READY, "You are ready for calls.", "您已就绪。"),
    (NOT_READY, "You are not ready.", "您已置忙。"),
    (REFUSED, "That did not work.", "操作未成功。"),
];
