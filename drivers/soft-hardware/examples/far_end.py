#!/usr/bin/env python3
"""A minimal far end for a soft FXS port, written from WIRE-FORMAT.md alone.

It plays the phone: connects to the box's FXS port socket, goes off hook, and prints
the line signalling (battery, ringing, polarity) the box feeds it whenever it changes.

    python3 far_end.py /run/box/devices/fxs1.sock --blocks 50

Standard library only. Works with either box clock mode: in lock-step it drives time
(sends block n, waits for the box's block n); in real time it answers each box block.
"""

import argparse
import socket
import struct
import sys

MSG_HELLO, MSG_BLOCK, MSG_ERROR = 0x01, 0x02, 0x03
MAX_LENGTH = 8192
KIND_FXS = 3
CLOCK_REAL_TIME, CLOCK_LOCK_STEP, CLOCK_ANY = 0, 1, 255
ERROR_NAMES = {1: "HELLO mismatch", 2: "malformed message", 3: "device busy", 4: "sequence gap", 5: "no HELLO in time"}

# Signalling byte, box -> phone: bit 0 ringing, bit 1 polarity reversed, bit 2 battery.
RINGING, REVERSED, BATTERY = 0x01, 0x02, 0x04
# Signalling byte, phone -> box: bit 0 off hook.
OFF_HOOK = 0x01

AUDIO_OCTETS = 160
ALAW_SILENCE = 0xD5


class BoxError(Exception):
    pass


def send_msg(sock, msg_type, body):
    # length counts the type byte plus the body
    sock.sendall(struct.pack("<HB", 1 + len(body), msg_type) + body)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise BoxError("the box closed the connection")
        data += chunk
    return data


def recv_msg(sock):
    (length,) = struct.unpack("<H", recv_exact(sock, 2))
    if length == 0 or length > MAX_LENGTH:
        raise BoxError(f"bad length field {length}")
    payload = recv_exact(sock, length)
    msg_type, body = payload[0], payload[1:]
    if msg_type == MSG_ERROR:
        (code,) = struct.unpack_from("<H", body)
        text = body[2:].decode("utf-8", "replace")
        raise BoxError(f"ERROR {code} ({ERROR_NAMES.get(code, 'unknown')}): {text}")
    return msg_type, body


def block(seq, signal):
    # seq, line conditions (0 on ports), channel count, then one record: signal + audio
    return struct.pack("<IBB", seq, 0, 1) + bytes([signal]) + bytes([ALAW_SILENCE]) * AUDIO_OCTETS


def describe(signal):
    names = [name for bit, name in ((BATTERY, "battery"), (RINGING, "ringing"), (REVERSED, "reversed")) if signal & bit]
    return " ".join(names) if names else "no battery"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("socket", help="path of the box's fxs<id>.sock")
    ap.add_argument("--blocks", type=int, default=50, help="blocks to exchange before hanging up")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5.0)
    sock.connect(args.socket)
    # HELLO: version 1, kind FXS, 1 channel, any clock, device id 0 (far ends send 0)
    try:
        send_msg(sock, MSG_HELLO, struct.pack("<BBBBH", 1, KIND_FXS, 1, CLOCK_ANY, 0))
    except (BrokenPipeError, ConnectionResetError):
        # A busy box answers ERROR 3 and closes before reading our HELLO: read it.
        pass
    msg_type, body = recv_msg(sock)
    if msg_type != MSG_HELLO or len(body) != 6:
        raise BoxError(f"expected HELLO, got type {msg_type}")
    version, kind, channels, clock, device_id = struct.unpack("<BBBBH", body)
    mode = "lock-step" if clock == CLOCK_LOCK_STEP else "real-time"
    print(f"connected to fxs{device_id}: version {version}, {channels} channel, {mode}", flush=True)
    print("going off hook", flush=True)

    last = None
    for seq in range(args.blocks):
        if clock == CLOCK_LOCK_STEP:
            send_msg(sock, MSG_BLOCK, block(seq, OFF_HOOK))
        msg_type, body = recv_msg(sock)
        if msg_type != MSG_BLOCK:
            raise BoxError(f"expected BLOCK, got type {msg_type}")
        box_seq, conditions, count = struct.unpack_from("<IBB", body)
        if box_seq != seq or count != 1:
            raise BoxError(f"block {seq}: got seq {box_seq} with {count} channels")
        signal = body[6]
        if signal != last:
            print(f"block {seq}: {describe(signal)}", flush=True)
            last = signal
        if clock != CLOCK_LOCK_STEP:
            send_msg(sock, MSG_BLOCK, block(seq, OFF_HOOK))
    print(f"hanging up after {args.blocks} blocks", flush=True)
    sock.close()


if __name__ == "__main__":
    try:
        main()
    except (BoxError, OSError) as e:
        print(f"far_end.py: {e}", file=sys.stderr)
        sys.exit(1)
