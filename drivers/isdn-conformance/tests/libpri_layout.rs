//! The event struct prefixes and constants we declared by hand match libpri.h, as the
//! C compiler sees it.

use isdn_conformance::libpri::ffi;
use std::mem::{offset_of, size_of};
use std::process::Command;

const C_PROGRAM: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <sys/time.h>
#include <libpri.h>
#define OFF(t, f) printf(#t "." #f " %zu\n", offsetof(t, f))
int main(void) {
    OFF(pri_event_restart, channel);
    OFF(pri_event_ringing, channel); OFF(pri_event_ringing, cref); OFF(pri_event_ringing, call);
    OFF(pri_event_answer, channel); OFF(pri_event_answer, cref); OFF(pri_event_answer, call);
    OFF(pri_event_restart_ack, channel);
    OFF(pri_event_ring, channel); OFF(pri_event_ring, callingnum); OFF(pri_event_ring, callingname);
    OFF(pri_event_ring, callednum); OFF(pri_event_ring, cref); OFF(pri_event_ring, complete);
    OFF(pri_event_ring, call);
    OFF(pri_event_hangup, channel); OFF(pri_event_hangup, cause); OFF(pri_event_hangup, cref);
    OFF(pri_event_hangup, call);
    OFF(pri_event_proceeding, channel); OFF(pri_event_proceeding, cref); OFF(pri_event_proceeding, cause);
    OFF(pri_event_proceeding, call);
    OFF(pri_event_setup_ack, channel); OFF(pri_event_setup_ack, call);
    OFF(struct pri_event_connect_ack, channel); OFF(struct pri_event_connect_ack, call);
    OFF(pri_event_keypad_digit, channel); OFF(pri_event_keypad_digit, call); OFF(pri_event_keypad_digit, digits);
    printf("timeval.size %zu\n", sizeof(struct timeval));
    printf("PRI_TIMER_N200 %d\nPRI_TIMER_K %d\nPRI_TIMER_T200 %d\nPRI_TIMER_T203 %d\n",
        PRI_TIMER_N200, PRI_TIMER_K, PRI_TIMER_T200, PRI_TIMER_T203);
    printf("PRI_EVENT_CONNECT_ACK %d\nPRI_EVENT_KEYPAD_DIGIT %d\nPRI_LAYER_1_ALAW %d\n",
        PRI_EVENT_CONNECT_ACK, PRI_EVENT_KEYPAD_DIGIT, PRI_LAYER_1_ALAW);
    return 0;
}
"#;

#[test]
fn rust_declarations_match_libpri_h() {
    let dir = std::env::temp_dir().join(format!("libpri-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, C_PROGRAM).unwrap();
    let status = Command::new("cc")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed");
    let out = Command::new(&exe).output().expect("run layout");
    let c: std::collections::HashMap<String, usize> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    let ours: Vec<(&str, usize)> = vec![
        (
            "pri_event_restart.channel",
            offset_of!(ffi::pri_event_restart, channel),
        ),
        (
            "pri_event_ringing.channel",
            offset_of!(ffi::pri_event_ringing, channel),
        ),
        (
            "pri_event_ringing.cref",
            offset_of!(ffi::pri_event_ringing, cref),
        ),
        (
            "pri_event_ringing.call",
            offset_of!(ffi::pri_event_ringing, call),
        ),
        (
            "pri_event_answer.channel",
            offset_of!(ffi::pri_event_ringing, channel),
        ),
        (
            "pri_event_answer.cref",
            offset_of!(ffi::pri_event_ringing, cref),
        ),
        (
            "pri_event_answer.call",
            offset_of!(ffi::pri_event_ringing, call),
        ),
        (
            "pri_event_restart_ack.channel",
            offset_of!(ffi::pri_event_restart, channel),
        ),
        (
            "pri_event_ring.channel",
            offset_of!(ffi::pri_event_ring, channel),
        ),
        (
            "pri_event_ring.callingnum",
            offset_of!(ffi::pri_event_ring, callingnum),
        ),
        (
            "pri_event_ring.callingname",
            offset_of!(ffi::pri_event_ring, callingname),
        ),
        (
            "pri_event_ring.callednum",
            offset_of!(ffi::pri_event_ring, callednum),
        ),
        ("pri_event_ring.cref", offset_of!(ffi::pri_event_ring, cref)),
        (
            "pri_event_ring.complete",
            offset_of!(ffi::pri_event_ring, complete),
        ),
        ("pri_event_ring.call", offset_of!(ffi::pri_event_ring, call)),
        (
            "pri_event_hangup.channel",
            offset_of!(ffi::pri_event_hangup, channel),
        ),
        (
            "pri_event_hangup.cause",
            offset_of!(ffi::pri_event_hangup, cause),
        ),
        (
            "pri_event_hangup.cref",
            offset_of!(ffi::pri_event_hangup, cref),
        ),
        (
            "pri_event_hangup.call",
            offset_of!(ffi::pri_event_hangup, call),
        ),
        (
            "pri_event_proceeding.channel",
            offset_of!(ffi::pri_event_proceeding, channel),
        ),
        (
            "pri_event_proceeding.cref",
            offset_of!(ffi::pri_event_proceeding, cref),
        ),
        (
            "pri_event_proceeding.cause",
            offset_of!(ffi::pri_event_proceeding, cause),
        ),
        (
            "pri_event_proceeding.call",
            offset_of!(ffi::pri_event_proceeding, call),
        ),
        (
            "pri_event_setup_ack.channel",
            offset_of!(ffi::pri_event_setup_ack, channel),
        ),
        (
            "pri_event_setup_ack.call",
            offset_of!(ffi::pri_event_setup_ack, call),
        ),
        (
            "struct pri_event_connect_ack.channel",
            offset_of!(ffi::pri_event_setup_ack, channel),
        ),
        (
            "struct pri_event_connect_ack.call",
            offset_of!(ffi::pri_event_setup_ack, call),
        ),
        (
            "pri_event_keypad_digit.channel",
            offset_of!(ffi::pri_event_keypad_digit, channel),
        ),
        (
            "pri_event_keypad_digit.call",
            offset_of!(ffi::pri_event_keypad_digit, call),
        ),
        (
            "pri_event_keypad_digit.digits",
            offset_of!(ffi::pri_event_keypad_digit, digits),
        ),
        ("timeval.size", size_of::<ffi::timeval>()),
        ("PRI_TIMER_N200", ffi::PRI_TIMER_N200 as usize),
        ("PRI_TIMER_K", ffi::PRI_TIMER_K as usize),
        ("PRI_TIMER_T200", ffi::PRI_TIMER_T200 as usize),
        ("PRI_TIMER_T203", ffi::PRI_TIMER_T203 as usize),
        ("PRI_EVENT_CONNECT_ACK", ffi::PRI_EVENT_CONNECT_ACK as usize),
        (
            "PRI_EVENT_KEYPAD_DIGIT",
            ffi::PRI_EVENT_KEYPAD_DIGIT as usize,
        ),
        ("PRI_LAYER_1_ALAW", ffi::PRI_LAYER_1_ALAW as usize),
    ];
    for (name, rust) in ours {
        assert_eq!(
            c.get(name),
            Some(&rust),
            "{name}: C says {:?}, Rust {rust}",
            c.get(name)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
