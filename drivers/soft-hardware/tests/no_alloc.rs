//! The box-side hot path (wait_readable, poll_accept, receive, take_block, send_block)
//! must not touch the heap in steady state. A counting global allocator counts
//! allocations made by the current thread only, so the far end thread does not count.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::thread;
use std::time::Duration;

use common::{connect, TempDir, T};
use soft_hardware::{wait_readable, Block, ClockMode, DeviceKind, SoftDevice};

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // try_with: the allocator may run while thread-locals are being torn down.
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while running `f`.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    ALLOCS.with(|n| n.set(0));
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, ALLOCS.with(|n| n.get()))
}

#[test]
fn the_counter_sees_allocations() {
    let (_, n) = allocations(|| std::hint::black_box(vec![1u8; 10]));
    assert!(n >= 1);
}

#[test]
fn lock_step_hot_path_does_not_allocate() {
    const TICKS: u32 = 200;
    const WARM_UP: u32 = 10;
    let dir = TempDir::new("noalloc");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::LockStep).unwrap();
    let (mut far, _) = connect(&mut dev, Some(DeviceKind::E1), Some(ClockMode::LockStep)).unwrap();

    // Far end drives time: send block n, wait for the box's block n.
    let far_thread = thread::spawn(move || {
        let mut tx = Block::idle(32);
        let mut rx = Block::idle(32);
        for n in 0..TICKS {
            tx.channels[1].audio[0] = n as u8;
            far.send_block(&tx).unwrap();
            far.recv_block(&mut rx, T).unwrap();
            assert_eq!(rx.channels[1].audio[0], n as u8, "box echoes tick {n}");
        }
    });

    let mut inbound = Block::idle(32);
    let mut outbound = Block::idle(32);
    let mut total = 0u64;
    let mut tick = 0u32;
    while tick < TICKS {
        let ((), n) = allocations(|| {
            wait_readable([&dev], Duration::from_millis(100)).unwrap();
            dev.poll_accept().unwrap();
            dev.receive().unwrap();
            if dev.take_block(&mut inbound) {
                outbound.channels[1].audio[0] = inbound.channels[1].audio[0];
                dev.send_block(&outbound).unwrap();
                tick += 1;
            }
        });
        if tick > WARM_UP {
            total += n;
        }
    }
    far_thread.join().unwrap();
    assert_eq!(dev.stats().blocks_rx, TICKS as u64);
    assert_eq!(dev.stats().blocks_tx, TICKS as u64);
    assert_eq!(total, 0, "hot path allocated {total} times");
}

#[test]
fn underrun_and_disconnected_paths_do_not_allocate() {
    let dir = TempDir::new("noalloc-idle");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 1, ClockMode::RealTime).unwrap();
    let mut b = Block::idle(1);
    // Warm up (first-use registration of log callsites etc.).
    dev.receive().unwrap();
    dev.take_block(&mut b);
    dev.send_block(&b).unwrap();
    let ((), n) = allocations(|| {
        for _ in 0..50 {
            dev.poll_accept().unwrap();
            dev.receive().unwrap();
            assert!(!dev.take_block(&mut b));
            dev.send_block(&b).unwrap();
        }
    });
    assert_eq!(n, 0);
    let (_far, _) = connect(&mut dev, None, None).unwrap();
    dev.take_block(&mut b);
    dev.send_block(&b).unwrap();
    let ((), n) = allocations(|| {
        for _ in 0..50 {
            dev.receive().unwrap();
            assert!(!dev.take_block(&mut b));
            dev.send_block(&b).unwrap();
        }
    });
    assert_eq!(n, 0);
    assert!(dev.stats().underruns >= 50);
}
