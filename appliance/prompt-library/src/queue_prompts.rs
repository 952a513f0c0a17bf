//! What a caller waiting in an ACD queue hears besides music: the position and wait
//! announcements, and the goodbye when the queue turns them away. Built in as texts in
//! English and Mandarin, synthesized when the box has queues; a configuration prompt of
//! the same name (a recording, or a `prompts.toml` text) takes their place.

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

/// Each built-in queue prompt: name, English text, Mandarin text.
pub const QUEUE_PROMPTS: [(&str, &str, &str); 5] = [
    (POSITION, "You are number", "您现在排在第"),
    (POSITION_END, "in the queue.", "位。"),
    (WAIT, "Your expected wait is about", "预计等待时间约为"),
    (WAIT_END, "minutes.", "分钟。"),
    (
        CLOSED,
        "Sorry, no one can take your call now. Please call again later.",
        "抱歉，现在没有座席可以接听您的电话，请稍后再拨。",
    ),
];
