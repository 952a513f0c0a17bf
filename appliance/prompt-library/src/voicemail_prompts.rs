//! What a caller leaving a voicemail message hears (the greeting, the beep, the goodbye)
//! and what a mailbox's owner hears on `*98` (how many new messages, each one's number,
//! the end). Built in as texts in English and Mandarin, synthesized when a flow has a
//! `voicemail` node; a configuration prompt of the same name (a recording, or a
//! `prompts.toml` text) takes their place. The beep is generated.

use dsp::tone::{ToneGenerator, ToneSpec};

/// The default greeting of a `voicemail` node without its own `prompt`.
pub const GREETING: &str = "vm-greeting";
/// After the message: it is kept.
pub const SAVED: &str = "vm-saved";
/// "You have" … (a number) … "new messages".
pub const YOU_HAVE: &str = "vm-you-have";
pub const NEW_MESSAGES: &str = "vm-new-messages";
pub const NO_MESSAGES: &str = "vm-no-messages";
/// "Message" … (its number), before each message.
pub const MESSAGE: &str = "vm-message";
pub const END: &str = "vm-end";
/// The tone after the greeting: record from here.
pub const BEEP: &str = "vm-beep";

/// Each built-in text prompt: name, English text, Mandarin text.
pub const VOICEMAIL_PROMPTS: [(&str, &str, &str); 7] = [
    (
        GREETING,
        "Please leave a message after the tone. Press the hash key when you are done.",
        "请在提示音后留言，留言完毕请按井号键。",
    ),
    (
        SAVED,
        "Your message has been saved. Goodbye.",
        "您的留言已保存，再见。",
    ),
    (YOU_HAVE, "You have", "您有"),
    (NEW_MESSAGES, "new messages.", "条新留言。"),
    (NO_MESSAGES, "You have no new messages.", "您没有新留言。"),
    (MESSAGE, "Message", "第"),
    (END, "End of messages. Goodbye.", "留言已全部播放，再见。"),
];

/// The beep: 1000 Hz for 300 ms at -10 dBm0, then 100 ms of silence so the caller's
/// first words do not run into it.
pub fn beep() -> Vec<i16> {
    let spec = ToneSpec {
        freqs_hz: [1000, 0],
        level_dbm0: -10.0,
        cadence_ms: &[],
    };
    let mut generator = ToneGenerator::new(&spec);
    let mut samples = vec![0i16; 8 * 300];
    generator.fill(&mut samples);
    samples.extend(std::iter::repeat_n(0, 8 * 100));
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_beep_is_a_short_audible_tone_then_silence() {
        let beep = beep();
        assert_eq!(beep.len(), 8 * 400);
        assert!(beep[..8 * 300].iter().any(|s| s.unsigned_abs() > 3000));
        assert!(beep[8 * 300..].iter().all(|s| *s == 0));
        // About 1000 Hz: 300 ms hold about 300 rising zero crossings.
        let crossings = beep[..8 * 300]
            .windows(2)
            .filter(|w| w[0] < 0 && w[1] >= 0)
            .count();
        assert!((295..=305).contains(&crossings), "{crossings}");
    }

    #[test]
    fn every_prompt_has_both_languages() {
        for (name, english, mandarin) in VOICEMAIL_PROMPTS {
            assert!(name.starts_with("vm-"));
            assert!(!english.is_empty() && !mandarin.is_empty());
        }
    }
}
