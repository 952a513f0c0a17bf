//! Named far ends with their connections to the box, stepped one 20 ms block at a time.

use std::path::Path;
use std::time::{Duration, Instant};

use soft_hardware::{socket_path, Block, ClockMode, DeviceKind, FarEnd, SoftHwError};

use crate::carrier::Carrier;
pub use crate::device::FarEndDevice;
use crate::phone::Phone;
use crate::sim::SimulatedBox;
use crate::telco::TelcoLine;
use crate::BLOCK_MS;

/// How long [`Rig::step`] waits for the box's answer to a block (lock-step) or its next
/// block (real time) before giving up. Generous: a debug box under CI load can be slow.
pub const DEFAULT_RECV_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Rig::connect`] waits for the box's sockets to appear.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Real-time pacing gives up catching up when this far behind.
const MAX_LATENESS: Duration = Duration::from_secs(1);
const BLOCK: Duration = Duration::from_millis(BLOCK_MS);

/// The simulators a [`Rig`] knows, plus room for your own.
pub enum AnyDevice {
    Telco(TelcoLine),
    Phone(Phone),
    /// Boxed: a carrier holds a protocol stack and 30 calls' audio.
    Carrier(Box<Carrier>),
    Other(Box<dyn FarEndDevice + Send>),
}

impl FarEndDevice for AnyDevice {
    fn produce(&mut self, now_ms: u64, out: &mut Block) {
        match self {
            AnyDevice::Telco(d) => d.produce(now_ms, out),
            AnyDevice::Phone(d) => d.produce(now_ms, out),
            AnyDevice::Carrier(d) => d.produce(now_ms, out),
            AnyDevice::Other(d) => d.produce(now_ms, out),
        }
    }
    fn consume(&mut self, now_ms: u64, inp: &Block) {
        match self {
            AnyDevice::Telco(d) => d.consume(now_ms, inp),
            AnyDevice::Phone(d) => d.consume(now_ms, inp),
            AnyDevice::Carrier(d) => d.consume(now_ms, inp),
            AnyDevice::Other(d) => d.consume(now_ms, inp),
        }
    }
    fn state_summary(&self) -> String {
        match self {
            AnyDevice::Telco(d) => d.state_summary(),
            AnyDevice::Phone(d) => d.state_summary(),
            AnyDevice::Carrier(d) => d.state_summary(),
            AnyDevice::Other(d) => d.state_summary(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RigError {
    #[error("{name}: {source}")]
    Device { name: String, source: SoftHwError },
    #[error("device name {0:?} is used twice")]
    DuplicateName(String),
    #[error("no device named {0:?} in the rig")]
    UnknownDevice(String),
    #[error("simulated box: {0}")]
    Simulated(String),
}

struct Slot {
    name: String,
    kind: DeviceKind,
    id: u16,
    device: AnyDevice,
    tx: Block,
    rx: Block,
}

enum Link {
    Sockets(Vec<FarEnd>),
    Simulated(Box<dyn SimulatedBox + Send>),
}

/// Named far ends and their links to the box.
pub struct Rig {
    slots: Vec<Slot>,
    link: Link,
    clock: ClockMode,
    tick: u64,
    deadline: Option<Instant>,
    recv_timeout: Duration,
}

fn new_slots(devices: &[(&str, DeviceKind, u16)]) -> Result<Vec<Slot>, RigError> {
    let mut slots: Vec<Slot> = Vec::new();
    for &(name, kind, id) in devices {
        if slots.iter().any(|s| s.name == name) {
            return Err(RigError::DuplicateName(name.to_owned()));
        }
        let device = match kind {
            DeviceKind::Fxo => AnyDevice::Telco(TelcoLine::new()),
            DeviceKind::Fxs => AnyDevice::Phone(Phone::new()),
            DeviceKind::E1 => AnyDevice::Carrier(Box::default()),
        };
        slots.push(Slot {
            name: name.to_owned(),
            kind,
            id,
            device,
            tx: Block::idle(kind.channels()),
            rx: Block::idle(kind.channels()),
        });
    }
    Ok(slots)
}

impl Rig {
    /// Connects one far end per `(name, kind, id)` to `<device_dir>/<kind><id>.sock`
    /// (waiting up to 10 s for each socket to appear) in the given clock mode.
    pub fn connect(
        device_dir: &Path,
        devices: &[(&str, DeviceKind, u16)],
        clock: ClockMode,
    ) -> Result<Rig, RigError> {
        let slots = new_slots(devices)?;
        let mut links = Vec::with_capacity(slots.len());
        for slot in &slots {
            let path = socket_path(device_dir, slot.kind, slot.id);
            let (far, _hello) =
                FarEnd::connect(&path, Some(slot.kind), Some(clock), CONNECT_TIMEOUT).map_err(
                    |source| RigError::Device {
                        name: slot.name.clone(),
                        source,
                    },
                )?;
            tracing::debug!(device = %slot.name, path = %path.display(), "far end connected");
            links.push(far);
        }
        Ok(Rig {
            slots,
            link: Link::Sockets(links),
            clock,
            tick: 0,
            deadline: None,
            recv_timeout: DEFAULT_RECV_TIMEOUT,
        })
    }

    /// A rig whose devices talk to an in-process stand-in for the box (tests, demos).
    /// Always lock-step.
    pub fn simulated(
        devices: &[(&str, DeviceKind, u16)],
        mut sim: Box<dyn SimulatedBox + Send>,
    ) -> Result<Rig, RigError> {
        let slots = new_slots(devices)?;
        let names: Vec<(String, DeviceKind, u16)> = slots
            .iter()
            .map(|s| (s.name.clone(), s.kind, s.id))
            .collect();
        sim.attach(&names).map_err(RigError::Simulated)?;
        Ok(Rig {
            slots,
            link: Link::Simulated(sim),
            clock: ClockMode::LockStep,
            tick: 0,
            deadline: None,
            recv_timeout: DEFAULT_RECV_TIMEOUT,
        })
    }

    pub fn set_recv_timeout(&mut self, timeout: Duration) {
        self.recv_timeout = timeout;
    }
    pub fn clock(&self) -> ClockMode {
        self.clock
    }

    /// Rig time: 20 ms per step taken, starting at 0.
    pub fn now_ms(&self) -> u64 {
        self.tick * BLOCK_MS
    }

    /// One 20 ms tick: every device produces a block that is sent to the box, then the
    /// box's block on every connection is received and consumed. In real time this
    /// first sleeps until the tick's deadline.
    pub fn step(&mut self) -> Result<(), RigError> {
        let now = self.now_ms();
        if self.clock == ClockMode::RealTime {
            self.pace();
        }
        for slot in &mut self.slots {
            slot.device.produce(now, &mut slot.tx);
        }
        match &mut self.link {
            Link::Sockets(links) => {
                for (slot, link) in self.slots.iter().zip(links.iter_mut()) {
                    link.send_block(&slot.tx)
                        .map_err(|source| RigError::Device {
                            name: slot.name.clone(),
                            source,
                        })?;
                }
                for (slot, link) in self.slots.iter_mut().zip(links.iter_mut()) {
                    link.recv_block(&mut slot.rx, self.recv_timeout)
                        .map_err(|source| RigError::Device {
                            name: slot.name.clone(),
                            source,
                        })?;
                }
            }
            Link::Simulated(sim) => {
                let from: Vec<&Block> = self.slots.iter().map(|s| &s.tx).collect();
                let mut to: Vec<Block> = self
                    .slots
                    .iter()
                    .map(|s| Block::idle(s.kind.channels()))
                    .collect();
                sim.tick(now, &from, &mut to);
                for (slot, block) in self.slots.iter_mut().zip(to) {
                    slot.rx = block;
                }
            }
        }
        for slot in &mut self.slots {
            slot.device.consume(now, &slot.rx);
        }
        self.tick += 1;
        Ok(())
    }

    /// Steps until `ms` more of rig time have passed (rounded up to whole blocks).
    pub fn run_for(&mut self, ms: u64) -> Result<(), RigError> {
        let end = self.now_ms() + ms;
        while self.now_ms() < end {
            self.step()?;
        }
        Ok(())
    }

    fn pace(&mut self) {
        let now = Instant::now();
        let deadline = match self.deadline {
            Some(d) if now.saturating_duration_since(d) <= MAX_LATENESS => d,
            Some(d) => {
                tracing::warn!(
                    late_ms = now.saturating_duration_since(d).as_millis() as u64,
                    "rig fell behind real time"
                );
                now
            }
            None => now,
        };
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        self.deadline = Some(deadline + BLOCK);
    }

    /// Device names in the order given at construction.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }
    /// `(name, kind, id)` of every device.
    pub fn devices(&self) -> Vec<(String, DeviceKind, u16)> {
        self.slots
            .iter()
            .map(|s| (s.name.clone(), s.kind, s.id))
            .collect()
    }
    pub fn device(&self, name: &str) -> Option<&AnyDevice> {
        self.slots
            .iter()
            .find(|s| s.name == name)
            .map(|s| &s.device)
    }
    pub fn device_mut(&mut self, name: &str) -> Option<&mut AnyDevice> {
        self.slots
            .iter_mut()
            .find(|s| s.name == name)
            .map(|s| &mut s.device)
    }
    pub fn telco(&self, name: &str) -> Option<&TelcoLine> {
        match self.device(name) {
            Some(AnyDevice::Telco(t)) => Some(t),
            _ => None,
        }
    }
    pub fn telco_mut(&mut self, name: &str) -> Option<&mut TelcoLine> {
        match self.device_mut(name) {
            Some(AnyDevice::Telco(t)) => Some(t),
            _ => None,
        }
    }
    pub fn phone(&self, name: &str) -> Option<&Phone> {
        match self.device(name) {
            Some(AnyDevice::Phone(p)) => Some(p),
            _ => None,
        }
    }
    pub fn phone_mut(&mut self, name: &str) -> Option<&mut Phone> {
        match self.device_mut(name) {
            Some(AnyDevice::Phone(p)) => Some(p),
            _ => None,
        }
    }
    pub fn carrier(&self, name: &str) -> Option<&Carrier> {
        match self.device(name) {
            Some(AnyDevice::Carrier(c)) => Some(c),
            _ => None,
        }
    }
    pub fn carrier_mut(&mut self, name: &str) -> Option<&mut Carrier> {
        match self.device_mut(name) {
            Some(AnyDevice::Carrier(c)) => Some(c),
            _ => None,
        }
    }

    /// One line per device: `fxo1: telco line Answered; …`.
    pub fn state_summary(&self) -> String {
        self.slots
            .iter()
            .map(|s| format!("{}: {}", s.name, s.device.state_summary()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
