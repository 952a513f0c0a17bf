//! The event bus through a running box: events published on its handle, read back with
//! `GET /api/events` and followed with the SSE stream, by a plain HTTP client on loopback.

mod common;

use events::{Event, LegRole, LineKind};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A box with no lines: nothing but the test publishes on its bus, so sequence numbers
/// are the test's own.
fn start_quiet_box(work: &std::path::Path) -> appliance::boot::RunningBox {
    common::start_edited(work, "basic", |file, text| match file {
        "lines.toml" => String::new(),
        "routes.toml" => "ring_timeout_s = 60\n".to_owned(),
        _ => text,
    })
}

fn call_started(n: u64) -> Event {
    Event::CallStarted {
        call: format!("c1-{n}").into(),
        from: Some("0301234567".into()),
        to: Some("201".into()),
        dialled: Some("201".into()),
        origin: "1/1".into(),
    }
}

fn line_state(n: u64) -> Event {
    Event::LineStateChanged {
        channel: format!("{n}/1"),
        kind: LineKind::Fxs,
        state: "ringing".into(),
    }
}

fn seqs(page: &Value) -> Vec<u64> {
    page["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {page}"))
        .iter()
        .map(|envelope| envelope["seq"].as_u64().expect("seq"))
        .collect()
}

#[test]
fn published_events_page_through_the_api() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let web = running.web_address();
    let bus = running.events();

    let empty = common::json(web, "GET", "/api/events");
    assert_eq!(seqs(&empty), Vec::<u64>::new());
    assert_eq!(empty["next"], 0);
    assert_eq!(empty["missed"], false);
    assert_eq!(empty["last_seq"], 0);

    bus.publish(call_started(1), 100);
    bus.publish(
        Event::LegJoined {
            call: "c1-1".into(),
            channel: "2/1".into(),
            role: LegRole::Destination,
        },
        120,
    );
    bus.publish(
        Event::CallAnswered {
            call: "c1-1".into(),
            channel: "2/1".into(),
        },
        140,
    );
    bus.publish(
        Event::CallEnded {
            call: "c1-1".into(),
            disposition: "answered".into(),
            cause: Some(16),
        },
        160,
    );
    bus.publish(
        Event::SpanStateChanged {
            device: 9,
            connected: true,
            alarms: vec![],
            d_channel_up: Some(true),
        },
        180,
    );

    // The publishes are in the bus's mailbox before the request's query: all are there.
    let all = common::json(web, "GET", "/api/events");
    assert_eq!(seqs(&all), vec![1, 2, 3, 4, 5]);
    assert_eq!(all["next"], 5);
    assert_eq!(all["missed"], false);
    assert_eq!(all["oldest_seq"], 1);
    let first = &all["events"][0];
    assert_eq!(first["at_ms"], 100);
    assert!(first["unix_ms"].as_u64().expect("unix_ms") > 1_600_000_000_000);
    assert_eq!(first["event"]["type"], "call_started");
    assert_eq!(first["event"]["call"], "c1-1");
    assert_eq!(first["event"]["from"], "0301234567");
    assert_eq!(first["event"]["origin"], "1/1");
    assert_eq!(all["events"][1]["event"]["role"], "destination");
    assert_eq!(all["events"][3]["event"]["disposition"], "answered");
    assert_eq!(all["events"][4]["event"]["type"], "span_state_changed");

    let middle = common::json(web, "GET", "/api/events?after=2&limit=2");
    assert_eq!(seqs(&middle), vec![3, 4]);
    assert_eq!(middle["next"], 4);
    let rest = common::json(web, "GET", "/api/events?after=4&limit=1000");
    assert_eq!(seqs(&rest), vec![5]);
    let none = common::json(web, "GET", "/api/events?after=5");
    assert_eq!(seqs(&none), Vec::<u64>::new());
    assert_eq!(none["next"], 5, "nothing new: ask after 5 again");
    assert_eq!(none["missed"], false);
    // A seq beyond the newest is from before a restart: start over, and say so.
    let stale = common::json(web, "GET", "/api/events?after=900");
    assert_eq!(seqs(&stale), vec![1, 2, 3, 4, 5]);
    assert_eq!(stale["missed"], true);
}

#[test]
fn a_reader_behind_the_history_is_told_it_missed_events() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let bus = running.events();
    let history = events::log::DEFAULT_HISTORY as u64;
    for n in 1..=history + 5 {
        bus.publish(line_state(n % 4), n);
    }
    let page = common::json(running.web_address(), "GET", "/api/events?after=0&limit=3");
    assert_eq!(page["missed"], true);
    assert_eq!(page["oldest_seq"], 6);
    assert_eq!(seqs(&page), vec![6, 7, 8]);
    assert_eq!(page["last_seq"], history + 5);
    let caught_up = common::json(
        running.web_address(),
        "GET",
        &format!("/api/events?after={}", history),
    );
    assert_eq!(caught_up["missed"], false);
    assert_eq!(
        seqs(&caught_up),
        (history + 1..=history + 5).collect::<Vec<_>>()
    );
}

#[test]
fn bad_queries_are_refused_with_a_reason() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let web = running.web_address();
    for (path, reason) in [
        ("/api/events?after=abc", "after must be an event seq"),
        ("/api/events?after=-1", "after must be an event seq"),
        ("/api/events?limit=0", "limit must be at least 1"),
        (
            "/api/events?limit=100000",
            "limit 100000 is more than the 1000",
        ),
        (
            "/api/events?limit=many",
            "limit must be a whole number from 1 to 1000",
        ),
        ("/api/events?afterr=3", "unknown parameter \"afterr\""),
        ("/api/events?after=1&after=2", "after given more than once"),
        ("/api/events/stream?after=x", "after must be an event seq"),
        ("/api/events/stream?limit=3", "unknown parameter \"limit\""),
    ] {
        let (status, body) = common::http(web, "GET", path);
        assert!(status.contains("400"), "{path}: {status}: {body}");
        assert!(body.contains(reason), "{path}: {body:?} lacks {reason:?}");
    }
    let (status, body, _) = open_stream(web, "/api/events/stream", &[("Last-Event-ID", "ten")]);
    assert!(status.contains("400"), "{status}: {body}");
    assert!(
        body.contains("Last-Event-ID must be an event seq"),
        "{body}"
    );
}

#[test]
fn the_stream_replays_after_last_event_id_then_follows_live() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let web = running.web_address();
    let bus = running.events();
    for n in 1..=3 {
        bus.publish(call_started(n), n * 20);
    }

    let mut stream = Sse::open(web, "/api/events/stream", &[("Last-Event-ID", "1")]);
    let replayed = [stream.next_event(), stream.next_event()];
    assert_eq!(
        replayed.iter().map(|e| e.id).collect::<Vec<_>>(),
        [Some(2), Some(3)]
    );
    for event in &replayed {
        assert_eq!(event.event.as_deref(), Some("call_started"));
        let data: Value = serde_json::from_str(&event.data).expect("data is JSON");
        assert_eq!(Some(data["seq"].as_u64().expect("seq")), event.id);
        assert_eq!(data["event"]["type"], "call_started");
    }

    bus.publish(line_state(2), 80);
    bus.publish(call_started(4), 100);
    let live = stream.next_event();
    assert_eq!(live.id, Some(4));
    assert_eq!(live.event.as_deref(), Some("line_state_changed"));
    let data: Value = serde_json::from_str(&live.data).expect("data is JSON");
    assert_eq!(data["at_ms"], 80);
    assert_eq!(data["event"]["kind"], "fxs");
    assert_eq!(stream.next_event().id, Some(5));

    // A client that reconnects with the last id it saw gets just what it lacks.
    drop(stream);
    bus.publish(call_started(5), 120);
    let mut again = Sse::open(web, "/api/events/stream", &[("Last-Event-ID", "5")]);
    assert_eq!(again.next_event().id, Some(6));
    // Last-Event-ID wins over ?after= (a browser reconnects to the same URL).
    let mut both = Sse::open(web, "/api/events/stream?after=0", &[("Last-Event-ID", "4")]);
    assert_eq!(both.next_event().id, Some(5));
    let mut by_query = Sse::open(web, "/api/events/stream?after=3", &[]);
    assert_eq!(by_query.next_event().id, Some(4));
}

#[test]
fn the_stream_without_a_position_starts_with_what_comes_next() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let web = running.web_address();
    let bus = running.events();
    bus.publish(call_started(1), 20);
    bus.publish(call_started(2), 40);
    let mut stream = Sse::open(web, "/api/events/stream", &[]);
    // The opening comment comes once the stream is subscribed: nothing published from
    // now on can be missed.
    let opening = stream.next_block();
    assert_eq!(opening.comments, vec!["events after 2".to_owned()]);
    bus.publish(line_state(1), 60);
    let event = stream.next_event();
    assert_eq!(event.id, Some(3));
    assert_eq!(event.event.as_deref(), Some("line_state_changed"));
}

#[test]
fn a_stream_reader_that_falls_behind_gets_every_event_once_in_order() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let web = running.web_address();
    let bus = running.events();
    let mut stream = Sse::open(web, "/api/events/stream", &[]);
    assert!(!stream.next_block().comments.is_empty(), "opening comment");
    // Far more than the live buffer (1 024), published while the reader reads nothing:
    // its feed lags and has to catch up from the history.
    const COUNT: u64 = 4_000;
    for n in 1..=COUNT {
        bus.publish(line_state(n % 8), n);
    }
    for expected in 1..=COUNT {
        let event = stream.next_event();
        assert_eq!(event.id, Some(expected), "{event:?}");
    }
}

#[test]
fn a_stream_reader_behind_the_history_is_told_what_it_missed() {
    let work = tempfile::tempdir().expect("tempdir");
    let running = start_quiet_box(work.path());
    let bus = running.events();
    let history = events::log::DEFAULT_HISTORY as u64;
    for n in 1..=history + 10 {
        bus.publish(line_state(n % 4), n);
    }
    let mut stream = Sse::open(running.web_address(), "/api/events/stream?after=2", &[]);
    let missed = stream.next_event();
    assert_eq!(missed.event.as_deref(), Some("missed"));
    assert_eq!(
        missed.id, None,
        "a notice leaves the client's last id alone"
    );
    let data: Value = serde_json::from_str(&missed.data).expect("JSON");
    assert_eq!(data["after"], 2);
    assert_eq!(data["oldest_seq"], 11);
    assert_eq!(stream.next_event().id, Some(11));
}

/// Sends a GET with extra headers; the status line, the head, and the stream with what
/// came after the head.
fn open_stream(
    address: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (String, String, (TcpStream, Vec<u8>)) {
    let mut stream = TcpStream::connect(address).expect("web port");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer {}\r\nAccept: text/event-stream\r\n",
        common::TEST_TOKEN
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut buffer).expect("response head");
        assert!(n > 0, "connection closed before the head");
        received.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let rest = received[head_end + 4..].to_vec();
    let status = head.lines().next().unwrap_or_default().to_owned();
    if !status.contains("200") {
        // An error answer has a Content-Length body; read it.
        let mut body = rest;
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        while body.len() < length {
            let n = stream.read(&mut buffer).expect("error body");
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buffer[..n]);
        }
        return (
            status,
            String::from_utf8_lossy(&body).into_owned(),
            (stream, Vec::new()),
        );
    }
    (status, head, (stream, rest))
}

/// One SSE block: its fields and comments.
#[derive(Debug, Default)]
struct SseBlock {
    id: Option<u64>,
    event: Option<String>,
    data: String,
    comments: Vec<String>,
}

/// A client of the event stream: de-chunks the body and splits it into SSE blocks.
struct Sse {
    stream: TcpStream,
    /// Bytes as received (chunked transfer encoding).
    raw: Vec<u8>,
    /// The body so far, de-chunked, not yet split into blocks.
    text: String,
}

impl Sse {
    fn open(address: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Sse {
        let (status, head, (stream, raw)) = open_stream(address, path, headers);
        assert!(status.contains("200"), "{path}: {status}: {head}");
        let head = head.to_ascii_lowercase();
        assert!(head.contains("content-type: text/event-stream"), "{head}");
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
        Sse {
            stream,
            raw,
            text: String::new(),
        }
    }

    /// The next block that is an event (not only comments).
    fn next_event(&mut self) -> SseBlock {
        loop {
            let block = self.next_block();
            if block.id.is_some() || block.event.is_some() || !block.data.is_empty() {
                return block;
            }
        }
    }

    fn next_block(&mut self) -> SseBlock {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some((block, rest)) = self.text.split_once("\n\n") {
                let parsed = parse_block(block);
                self.text = rest.to_owned();
                return parsed;
            }
            assert!(Instant::now() < deadline, "no SSE block within 20 s");
            self.dechunk();
            if self.text.contains("\n\n") {
                continue;
            }
            let mut buffer = [0u8; 16384];
            let n = self.stream.read(&mut buffer).expect("stream read");
            assert!(n > 0, "the stream ended");
            self.raw.extend_from_slice(&buffer[..n]);
        }
    }

    /// Moves every complete chunk from `raw` to `text`.
    fn dechunk(&mut self) {
        loop {
            let Some(line_end) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size_text = String::from_utf8_lossy(&self.raw[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size {size_text:?}"));
            assert!(size > 0, "the stream ended (last chunk)");
            let start = line_end + 2;
            if self.raw.len() < start + size + 2 {
                return;
            }
            let chunk = String::from_utf8(self.raw[start..start + size].to_vec()).expect("UTF-8");
            self.text.push_str(&chunk);
            self.raw.drain(..start + size + 2);
        }
    }
}

fn parse_block(block: &str) -> SseBlock {
    let mut parsed = SseBlock::default();
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            parsed.comments.push(comment.trim().to_owned());
        } else if let Some(id) = line.strip_prefix("id: ") {
            parsed.id = Some(id.parse().expect("numeric id"));
        } else if let Some(event) = line.strip_prefix("event: ") {
            parsed.event = Some(event.to_owned());
        } else if let Some(data) = line.strip_prefix("data: ") {
            parsed.data.push_str(data);
        } else {
            panic!("unexpected SSE line {line:?}");
        }
    }
    parsed
}

/// The box itself publishes what happens to a call: its start, its legs, its answer, its
/// end, and the lines and spans it used.
#[test]
fn a_call_through_the_box_is_told_on_the_bus() {
    use far_end::Rig;
    use soft_hardware::{ClockMode, DeviceKind};
    let work = tempfile::tempdir().expect("tempdir");
    let mut running = common::start(work.path(), "pri");
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )
    .expect("rig");
    assert!(common::step_until(&mut rig, 3000, |r| r
        .carrier("span1")
        .is_some_and(|c| c.link_up())));
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("0201234"), "100")
        .unwrap();
    assert!(common::step_until(&mut rig, 3000, |r| r
        .carrier("span1")
        .unwrap()
        .answered_count()
        == 1));
    rig.run_for(2000).unwrap();
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up_all(now, 16)
        .unwrap();
    rig.run_for(500).unwrap();

    let page = common::json(running.web_address(), "GET", "/api/events?limit=1000");
    let events = page["events"].as_array().expect("events");
    let of_type = |kind: &str| -> Vec<&Value> {
        events
            .iter()
            .map(|e| &e["event"])
            .filter(|e| e["type"] == kind)
            .collect()
    };
    let started = of_type("call_started");
    assert_eq!(started.len(), 1, "{page:#}");
    assert_eq!(started[0]["from"], "0201234");
    assert_eq!(started[0]["dialled"], "100");
    let call = started[0]["call"].clone();
    let joined = of_type("leg_joined");
    assert_eq!(joined.len(), 1, "the echo test has one leg: {page:#}");
    assert_eq!(joined[0]["role"], "origin");
    let answered = of_type("call_answered");
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0]["call"], call);
    let ended = of_type("call_ended");
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["disposition"], "answered");
    assert_eq!(ended[0]["cause"], 16);
    assert_eq!(of_type("leg_left").len(), 1);
    let written = of_type("cdr_written");
    assert_eq!(written.len(), 1, "{page:#}");
    assert_eq!(written[0]["call"], call);
    assert!(written[0]["cdr_seq"].as_u64().is_some_and(|seq| seq >= 1));
    // The B-channel went busy and back to idle; the span came up.
    let b_channel = joined[0]["channel"].as_str().unwrap().to_owned();
    let states: Vec<&str> = of_type("line_state_changed")
        .into_iter()
        .filter(|e| e["channel"] == b_channel.as_str())
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.first(), Some(&"idle"), "{states:?}");
    assert!(states.contains(&"busy"), "{states:?}");
    assert_eq!(states.last(), Some(&"idle"), "{states:?}");
    assert!(of_type("span_state_changed")
        .iter()
        .any(|e| e["d_channel_up"] == true));
    // In order, without gaps.
    let seqs = seqs(&page);
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let order: Vec<&str> = events
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .filter(|t| t.starts_with("call_"))
        .collect();
    assert_eq!(order, ["call_started", "call_answered", "call_ended"]);
    let position = |kind: &str| events.iter().position(|e| e["event"]["type"] == kind);
    assert!(
        position("call_ended") < position("cdr_written"),
        "the CDR follows the end"
    );
    running.stop();
}
