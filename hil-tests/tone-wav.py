#!/usr/bin/env python3
"""Writes a test prompt: a sine at -13 dBm0 (peak 5081 of 32767, as the configs' other
tone prompts), 8 kHz 16-bit mono WAV, for HIL configurations whose scenarios tell a
prompt (a tone) from speech and music.

    hil-tests/tone-wav.py FILE FREQ_HZ SECONDS
    hil-tests/tone-wav.py hil-tests/configs/acd-floor/prompts/queue-survey.wav 1200 2
"""
import math
import struct
import sys
import wave

RATE = 8000
PEAK = 5081


def main():
    path, freq, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    n = int(RATE * seconds)
    samples = [round(PEAK * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n)]
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack("<%dh" % n, *samples))


if __name__ == "__main__":
    main()
