//! ISDN PRI on E1, sans-IO: feed frames and time, poll frames, events and deadlines.

pub mod hdlc;
pub mod pcap;
pub mod pri;
pub mod q921;
pub mod q931;
