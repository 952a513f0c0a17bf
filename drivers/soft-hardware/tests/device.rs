//! SoftDevice + FarEnd over real Unix sockets in a temp dir.

mod common;

use std::io::Read;
use std::os::unix::net::{UnixListener, UnixStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{connect, pump, pump_until, with_pumping, TempDir, T};
use soft_hardware::codec::{self, FrameDecoder, Message};
use soft_hardware::signal::{self, Abcd};
use soft_hardware::{
    socket_path, wait_readable, Block, ClockMode, DeviceKind, ErrorCode, FarEnd, Hello,
    LineConditions, RealTimeClock, SoftDevice, SoftHwError, ALAW_SILENCE, HELLO_TIMEOUT,
    RX_QUEUE_BLOCKS,
};

fn remote_code(r: Result<impl Sized, SoftHwError>) -> ErrorCode {
    match r {
        Err(SoftHwError::Remote { code, .. }) => code,
        Err(e) => panic!("expected an ERROR from the box, got {e}"),
        Ok(_) => panic!("expected an ERROR from the box, got Ok"),
    }
}

fn marked(channels: usize, mark: u8, sig: u8) -> Block {
    let mut b = Block::idle(channels);
    for (i, rec) in b.channels.iter_mut().enumerate() {
        rec.signal = sig;
        rec.audio[0] = mark;
        rec.audio[159] = i as u8;
    }
    b
}

#[test]
fn hello_exchange_and_socket_lifecycle() {
    let dir = TempDir::new("hello");
    let path = socket_path(dir.path(), DeviceKind::Fxs, 3);
    assert!(path.ends_with("fxs3.sock"));
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 3, ClockMode::LockStep).unwrap();
    assert!(path.exists());
    assert!(!dev.is_connected());

    let (far, hello) = connect(&mut dev, Some(DeviceKind::Fxs), Some(ClockMode::LockStep)).unwrap();
    assert_eq!(
        hello,
        Hello::for_device(DeviceKind::Fxs, 3, ClockMode::LockStep)
    );
    assert_eq!(far.channels(), 1);
    assert!(dev.is_connected());
    assert_eq!(dev.stats().connects, 1);
    assert!(dev.poll_fds().1.is_some());

    drop(dev);
    assert!(!path.exists(), "socket file removed on drop");
}

#[test]
fn any_kind_and_clock_are_accepted() {
    let dir = TempDir::new("any");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::RealTime).unwrap();
    let (_far, hello) = connect(&mut dev, None, None).unwrap();
    assert_eq!(hello.kind, Some(DeviceKind::E1));
    assert_eq!(hello.channels, 32);
    assert_eq!(hello.clock, Some(ClockMode::RealTime));
    assert_eq!(hello.device_id, 1);
}

#[test]
fn bind_replaces_a_stale_socket_but_not_a_regular_file() {
    let dir = TempDir::new("stale");
    let nested = dir.path().join("dev/dir");
    let path = socket_path(&nested, DeviceKind::Fxo, 2);
    std::fs::create_dir_all(&nested).unwrap();
    drop(UnixListener::bind(&path).unwrap()); // leaves the file behind, like a crash
    assert!(path.exists());
    let dev = SoftDevice::bind(&nested, DeviceKind::Fxo, 2, ClockMode::RealTime).unwrap();
    drop(dev);

    std::fs::write(&path, b"not a socket").unwrap();
    match SoftDevice::bind(&nested, DeviceKind::Fxo, 2, ClockMode::RealTime) {
        Err(e @ SoftHwError::NotASocket { .. }) => {
            assert!(e.to_string().contains("fxo2.sock"), "{e}")
        }
        other => panic!("expected NotASocket, got {:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"not a socket");
}

#[test]
fn kind_mismatch_gets_error_1() {
    let dir = TempDir::new("kind");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 1, ClockMode::LockStep).unwrap();
    let r = connect(&mut dev, Some(DeviceKind::E1), None);
    if let Err(SoftHwError::Remote { text, .. }) = &r {
        assert!(text.contains("fxs1") && text.contains("kind"), "{text}");
    }
    assert_eq!(remote_code(r), ErrorCode::HelloMismatch);
    pump(&mut dev);
    assert!(!dev.is_connected());
    assert_eq!(dev.stats().protocol_errors, 1);
    assert_eq!(dev.stats().connects, 0);
    // The device is free again.
    connect(&mut dev, Some(DeviceKind::Fxs), Some(ClockMode::LockStep)).unwrap();
}

#[test]
fn clock_mismatch_gets_error_1() {
    let dir = TempDir::new("clock");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::RealTime).unwrap();
    assert_eq!(
        remote_code(connect(
            &mut dev,
            Some(DeviceKind::E1),
            Some(ClockMode::LockStep)
        )),
        ErrorCode::HelloMismatch
    );
}

#[test]
fn version_mismatch_gets_error_1() {
    let dir = TempDir::new("version");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxo, 1, ClockMode::RealTime).unwrap();
    let path = dev.path().to_path_buf();
    let reply = with_pumping(&mut dev, move || {
        let mut s = UnixStream::connect(&path).unwrap();
        let mut h = [0u8; 16];
        let mut hello = Hello::far_end(None, None);
        hello.version = 2;
        let n = codec::encode_hello(&hello, &mut h).unwrap();
        std::io::Write::write_all(&mut s, &h[..n]).unwrap();
        read_error(&mut s)
    });
    assert_eq!(reply.0, ErrorCode::HelloMismatch);
    assert!(reply.1.contains("version"), "{}", reply.1);
}

/// Reads raw bytes until an ERROR frame arrives (a peer that speaks the protocol by hand).
fn read_error(s: &mut UnixStream) -> (ErrorCode, String) {
    s.set_read_timeout(Some(T)).unwrap();
    let mut d = FrameDecoder::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed without ERROR");
        let mut input = &buf[..n];
        while let Some(m) = d.decode(&mut input).unwrap() {
            if let Message::Error { code, text } = m {
                return (code, text.to_owned());
            }
        }
    }
}

#[test]
fn second_far_end_gets_busy_and_first_keeps_working() {
    let dir = TempDir::new("busy");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 4, ClockMode::LockStep).unwrap();
    let (mut first, _) = connect(&mut dev, Some(DeviceKind::Fxs), None).unwrap();
    assert_eq!(
        remote_code(connect(&mut dev, Some(DeviceKind::Fxs), None)),
        ErrorCode::Busy
    );
    assert!(dev.is_connected());
    assert_eq!(dev.stats().connects, 1);

    first.send_block(&marked(1, 42, signal::OFF_HOOK)).unwrap();
    pump_until(&mut dev, "block from first far end", |d| d.has_block());
    let mut b = Block::idle(0);
    assert!(dev.take_block(&mut b));
    assert_eq!(b.channels[0].audio[0], 42);
}

#[test]
fn a_far_end_that_never_says_hello_blocks_others_until_it_leaves() {
    let dir = TempDir::new("nohello");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxo, 1, ClockMode::RealTime).unwrap();
    let silent = UnixStream::connect(dev.path()).unwrap();
    pump(&mut dev);
    assert!(!dev.is_connected());
    assert_eq!(remote_code(connect(&mut dev, None, None)), ErrorCode::Busy);
    drop(silent);
    pump_until(&mut dev, "silent far end gone", |d| {
        d.poll_fds().1.is_none()
    });
    connect(&mut dev, None, None).unwrap();
}

#[test]
fn a_far_end_that_never_says_hello_is_dropped_after_the_hello_timeout() {
    let dir = TempDir::new("hellotimeout");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 2, ClockMode::LockStep).unwrap();
    assert_eq!(dev.hello_timeout(), HELLO_TIMEOUT);
    assert_eq!(HELLO_TIMEOUT, Duration::from_secs(5));
    dev.set_hello_timeout(Duration::from_millis(300));
    let mut silent = UnixStream::connect(dev.path()).unwrap();
    pump_until(&mut dev, "silent far end accepted", |d| {
        d.poll_fds().1.is_some()
    });

    // The clock is the caller's: the timeout runs from the first call that sees it.
    let t0 = Instant::now();
    assert!(!dev.drop_silent(t0));
    assert!(!dev.drop_silent(t0 + Duration::from_millis(299)));
    assert_eq!(remote_code(connect(&mut dev, None, None)), ErrorCode::Busy);
    assert!(dev.drop_silent(t0 + Duration::from_millis(300)));
    assert!(dev.poll_fds().1.is_none(), "connection closed");
    let (code, text) = read_error(&mut silent);
    assert_eq!((code, code.wire()), (ErrorCode::HelloTimeout, 5));
    assert!(text.contains("no HELLO within 300 ms"), "{text}");
    let mut rest = Vec::new();
    silent.read_to_end(&mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "nothing after the ERROR, then end of stream"
    );
    assert_eq!(
        (dev.stats().hello_timeouts, dev.stats().protocol_errors),
        (1, 0)
    );

    // The next far end is served, and HELLO done, time no longer matters.
    let (_far, hello) = connect(&mut dev, None, None).unwrap();
    assert_eq!(hello.device_id, 2);
    assert!(!dev.drop_silent(t0 + Duration::from_secs(60)));
    assert!(dev.is_connected());
    assert_eq!(dev.stats().hello_timeouts, 1);
}

#[test]
fn e1_blocks_pass_both_ways_with_sequence_numbers() {
    let dir = TempDir::new("e1");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::LockStep).unwrap();
    let (mut far, _) = connect(&mut dev, Some(DeviceKind::E1), Some(ClockMode::LockStep)).unwrap();

    // Far end -> box.
    for i in 0..3u8 {
        let mut b = marked(
            32,
            10 + i,
            Abcd {
                a: true,
                b: false,
                c: false,
                d: i % 2 == 1,
            }
            .to_byte(),
        );
        b.seq = 1000; // ignored: FarEnd numbers blocks itself
        b.conditions = LineConditions::RAI;
        far.send_block(&b).unwrap();
    }
    pump_until(&mut dev, "3 blocks", |d| d.stats().blocks_rx == 3);
    let mut got = Block::idle(0);
    for i in 0..3u8 {
        assert!(dev.take_block(&mut got));
        assert_eq!(got.seq, i as u32);
        assert_eq!(got.conditions, LineConditions::RAI);
        assert_eq!(got.channels.len(), 32);
        assert_eq!(got.channels[7].audio[0], 10 + i);
        assert_eq!(got.channels[7].audio[159], 7);
        assert_eq!(
            Abcd::from_byte(got.channels[1].signal),
            Abcd {
                a: true,
                b: false,
                c: false,
                d: i % 2 == 1
            }
        );
    }
    assert!(!dev.has_block());

    // Box -> far end.
    for i in 0..3u8 {
        let mut b = marked(32, 50 + i, 0b0101);
        b.seq = 77; // ignored: the device numbers blocks itself
        dev.send_block(&b).unwrap();
    }
    assert_eq!(dev.stats().blocks_tx, 3);
    for i in 0..3u8 {
        far.recv_block(&mut got, T).unwrap();
        assert_eq!(got.seq, i as u32);
        assert_eq!(got.channels[31].audio[0], 50 + i);
        assert_eq!(got.channels[31].audio[159], 31);
        assert_eq!(got.channels[31].signal, 0b0101);
    }
    assert_eq!(dev.stats().underruns, 0);
}

#[test]
fn send_block_with_wrong_channel_count_is_a_caller_error() {
    let dir = TempDir::new("sendcount");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 9, ClockMode::RealTime).unwrap();
    match dev.send_block(&Block::idle(32)) {
        Err(
            e @ SoftHwError::ChannelCount {
                expected: 1,
                got: 32,
                ..
            },
        ) => assert!(e.to_string().contains("fxs9"), "{e}"),
        other => panic!("expected ChannelCount, got {other:?}"),
    }
}

#[test]
fn underrun_keeps_last_signalling_and_plays_silence() {
    let dir = TempDir::new("underrun");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxo, 1, ClockMode::RealTime).unwrap();
    let (mut far, _) = connect(&mut dev, Some(DeviceKind::Fxo), None).unwrap();
    let mut got = Block::idle(0);
    // Before anything arrived: an underrun with unplugged signalling.
    assert!(!dev.take_block(&mut got));
    assert_eq!(got.channels[0].signal, 0);
    assert_eq!(dev.stats().underruns, 1);

    far.send_block(&marked(1, 99, signal::line(true, false, true)))
        .unwrap();
    pump_until(&mut dev, "block", |d| d.has_block());
    assert!(dev.take_block(&mut got));
    assert_eq!(got.channels[0].audio[0], 99);

    for _ in 0..2 {
        assert!(!dev.take_block(&mut got));
        assert_eq!(got.channels.len(), 1);
        assert!(
            signal::is_ringing(got.channels[0].signal)
                && signal::has_battery(got.channels[0].signal)
        );
        assert!(got.channels[0].audio.iter().all(|&a| a == ALAW_SILENCE));
    }
    assert_eq!(dev.stats().underruns, 3);
}

#[test]
fn overrun_drops_the_oldest() {
    let dir = TempDir::new("overrun");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 1, ClockMode::RealTime).unwrap();
    let (mut far, _) = connect(&mut dev, None, None).unwrap();
    for i in 0..6u8 {
        far.send_block(&marked(1, i, 0)).unwrap();
    }
    pump_until(&mut dev, "6 blocks", |d| d.stats().blocks_rx == 6);
    assert_eq!(dev.stats().overruns, 2);
    let mut got = Block::idle(0);
    for i in 2..6u8 {
        assert!(dev.take_block(&mut got));
        assert_eq!((got.seq, got.channels[0].audio[0]), (i as u32, i));
    }
    assert!(!dev.take_block(&mut got));
    assert_eq!(RX_QUEUE_BLOCKS, 4);
}

#[test]
fn disconnect_unplugs_the_line_and_a_new_far_end_starts_at_seq_0() {
    let dir = TempDir::new("reconnect");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 2, ClockMode::LockStep).unwrap();
    let (mut far, _) = connect(&mut dev, Some(DeviceKind::E1), None).unwrap();
    far.send_block(&marked(32, 1, 0b1101)).unwrap();
    far.send_block(&marked(32, 2, 0b1101)).unwrap();
    pump_until(&mut dev, "blocks", |d| d.stats().blocks_rx == 2);
    let mut got = Block::idle(0);
    assert!(dev.take_block(&mut got));
    dev.send_block(&marked(32, 0, 0)).unwrap();
    drop(far);
    pump_until(&mut dev, "disconnect", |d| !d.is_connected());

    // Unplugged: queued block discarded, LOS, signalling cleared, no underrun counted.
    let before = dev.stats().underruns;
    assert!(!dev.has_block());
    assert!(!dev.take_block(&mut got));
    assert!(got.conditions.contains(LineConditions::LOS));
    assert!(got.channels.iter().all(|r| r.signal == 0));
    assert_eq!(dev.stats().underruns, before);
    dev.send_block(&marked(32, 0, 0)).unwrap(); // goes nowhere, no error
    assert_eq!(dev.stats().blocks_tx, 1);

    let (mut far2, _) = connect(&mut dev, Some(DeviceKind::E1), None).unwrap();
    assert_eq!(dev.stats().connects, 2);
    far2.send_block(&marked(32, 3, 0)).unwrap();
    pump_until(&mut dev, "block from new far end", |d| d.has_block());
    assert!(dev.take_block(&mut got));
    assert_eq!((got.seq, got.channels[1].audio[0]), (0, 3));
    assert!(!got.conditions.contains(LineConditions::LOS));
    dev.send_block(&marked(32, 4, 0)).unwrap();
    far2.recv_block(&mut got, T).unwrap();
    assert_eq!((got.seq, got.channels[1].audio[0]), (0, 4));
}

/// A far end that breaks the protocol gets the right ERROR and the box is free again.
fn violation(
    raw: impl Fn(&FarEnd) -> Vec<u8> + Send + 'static,
) -> (ErrorCode, String, SoftDevice, TempDir) {
    let dir = TempDir::new("violation");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 5, ClockMode::LockStep).unwrap();
    let (mut far, _) = connect(&mut dev, None, None).unwrap();
    let (code, text) = with_pumping(&mut dev, move || {
        let bytes = raw(&far);
        far.send_raw(&bytes).unwrap();
        match far.recv_block(&mut Block::idle(0), T) {
            Err(SoftHwError::Remote { code, text, .. }) => (code, text),
            other => panic!("expected ERROR, got {other:?}"),
        }
    });
    pump_until(&mut dev, "disconnect", |d| !d.is_connected());
    assert_eq!(dev.stats().protocol_errors, 1);
    assert!(text.contains("fxs5"), "{text}");
    (code, text, dev, dir)
}

#[test]
fn unknown_type_gets_error_2() {
    let (code, text, ..) = violation(|_| vec![1, 0, 0x7f]);
    assert_eq!(code, ErrorCode::Malformed);
    assert!(text.contains("unknown message type 0x7f"), "{text}");
}

#[test]
fn wrong_channel_count_gets_error_2() {
    let (code, text, ..) = violation(|_| {
        let mut out = vec![0; codec::MAX_FRAME];
        let n = codec::encode_block(&Block::idle(2), &mut out).unwrap();
        out.truncate(n);
        out
    });
    assert_eq!(code, ErrorCode::Malformed);
    assert!(text.contains("2 channels"), "{text}");
}

#[test]
fn oversize_length_gets_error_2() {
    let (code, text, ..) = violation(|_| vec![0xff, 0xff, 2]);
    assert_eq!(code, ErrorCode::Malformed);
    assert!(text.contains("65535"), "{text}");
}

#[test]
fn second_hello_gets_error_2() {
    let (code, ..) = violation(|_| {
        let mut out = vec![0; 16];
        let n = codec::encode_hello(&Hello::far_end(None, None), &mut out).unwrap();
        out.truncate(n);
        out
    });
    assert_eq!(code, ErrorCode::Malformed);
}

#[test]
fn sequence_gap_gets_error_4() {
    let (code, text, ..) = violation(|_| {
        let mut b = Block::idle(1);
        b.seq = 5;
        let mut out = vec![0; codec::MAX_FRAME];
        let n = codec::encode_block(&b, &mut out).unwrap();
        out.truncate(n);
        out
    });
    assert_eq!(code, ErrorCode::SequenceGap);
    assert!(text.contains("expected BLOCK 0, got 5"), "{text}");
}

#[test]
fn block_before_hello_gets_error_2() {
    let dir = TempDir::new("early");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 1, ClockMode::RealTime).unwrap();
    let path = dev.path().to_path_buf();
    let (code, text) = with_pumping(&mut dev, move || {
        let mut s = UnixStream::connect(&path).unwrap();
        let mut out = vec![0; 512];
        let n = codec::encode_block(&Block::idle(1), &mut out).unwrap();
        std::io::Write::write_all(&mut s, &out[..n]).unwrap();
        read_error(&mut s)
    });
    assert_eq!(code, ErrorCode::Malformed);
    assert!(text.contains("before HELLO"), "{text}");
}

#[test]
fn far_end_error_closes_the_connection() {
    let dir = TempDir::new("farerr");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 1, ClockMode::RealTime).unwrap();
    let (far, _) = connect(&mut dev, None, None).unwrap();
    far.send_error(ErrorCode::Other(99), "far end gave up")
        .unwrap();
    pump_until(&mut dev, "disconnect", |d| !d.is_connected());
    assert_eq!(dev.stats().protocol_errors, 1);
}

#[test]
fn full_tx_buffer_drops_blocks_without_blocking_and_keeps_seq_contiguous() {
    let dir = TempDir::new("txfull");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::RealTime).unwrap();
    let (mut far, _) = connect(&mut dev, None, None).unwrap();
    let started = Instant::now();
    for i in 0..300u32 {
        dev.send_block(&marked(32, i as u8, 0)).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "send_block blocked"
    );
    let s = dev.stats();
    assert!(s.tx_dropped > 0, "{s:?}");
    assert_eq!(s.blocks_tx + s.tx_dropped, 300);
    let sent = s.blocks_tx;
    // The far end reads everything that was sent, in order, while the box flushes.
    let got = thread::spawn(move || {
        let mut b = Block::idle(0);
        for i in 0..sent {
            far.recv_block(&mut b, T).unwrap(); // checks seq == i
            assert_eq!(b.channels[0].audio[0], i as u8);
        }
        sent
    });
    while !got.is_finished() {
        dev.flush();
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(got.join().unwrap(), sent);
}

#[test]
fn wait_readable_wakes_on_data_and_times_out_otherwise() {
    let dir = TempDir::new("wait");
    let mut a = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 1, ClockMode::LockStep).unwrap();
    let b = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 2, ClockMode::LockStep).unwrap();
    let t0 = Instant::now();
    wait_readable([&a, &b], Duration::from_millis(50)).unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(45));

    // A pending connection makes the listener readable.
    let path = a.path().to_path_buf();
    let h = thread::spawn(move || FarEnd::connect(&path, None, None, T));
    let t0 = Instant::now();
    wait_readable([&a, &b], T).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2));
    while !a.is_connected() {
        wait_readable([&a, &b], T).unwrap();
        a.poll_accept().unwrap();
        a.receive().unwrap();
    }
    let (mut far, _) = h.join().unwrap().unwrap();
    far.send_block(&Block::idle(1)).unwrap();
    let t0 = Instant::now();
    while !a.has_block() {
        wait_readable([&a, &b], T).unwrap();
        a.receive().unwrap();
    }
    assert!(t0.elapsed() < Duration::from_secs(2));
}

#[test]
fn real_time_clock_ticks_every_20ms() {
    let mut clock = RealTimeClock::new(Duration::from_millis(20)).unwrap();
    let t0 = Instant::now();
    let mut ticks = 0;
    while ticks < 10 {
        let n = clock.wait_tick().unwrap();
        assert!(n >= 1);
        ticks += n;
    }
    let el = t0.elapsed();
    assert!(
        el >= Duration::from_millis(180) && el < Duration::from_millis(600),
        "{el:?}"
    );
    // Missed ticks are reported, not lost.
    thread::sleep(Duration::from_millis(70));
    let n = clock.wait_tick().unwrap();
    assert!(n >= 3, "expected missed ticks to accumulate, got {n}");
}

#[test]
fn zero_clock_period_is_rejected() {
    assert!(matches!(
        RealTimeClock::new(Duration::ZERO),
        Err(SoftHwError::Clock { .. })
    ));
}

#[test]
fn far_end_connect_times_out_without_a_box() {
    let dir = TempDir::new("nobox");
    let path = socket_path(dir.path(), DeviceKind::Fxo, 1);
    let t0 = Instant::now();
    match FarEnd::connect(&path, None, None, Duration::from_millis(100)) {
        Err(e @ SoftHwError::Connect { .. }) => assert!(e.to_string().contains("fxo1.sock"), "{e}"),
        other => panic!("expected Connect error, got {:?}", other.err()),
    }
    assert!(t0.elapsed() >= Duration::from_millis(80));
}
